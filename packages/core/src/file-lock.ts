import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConflictError } from './errors';
import { isProcessAlive, processStartTime, sleep } from './process';

export interface FileLockOptions {
  /** A lock whose holder has not refreshed it for this long is taken over (its holder was killed). */
  staleMs?: number;
  /** How long to wait for a busy lock before giving up with `busyMessage`. */
  timeoutMs?: number;
  busyMessage?: string;
  /** Told when a held lock was taken over by another process (the event loop stalled past staleMs). */
  warn?: (message: string) => void;
}

export type ReleaseLock = () => Promise<void>;

/**
 * Takes an exclusive lock across processes: a directory at `lockPath` made with an atomic mkdir
 * (proper-lockfile), refreshed while held so that a killed holder's lock goes stale instead of blocking
 * the engine for good. Every plugin that keeps shared state on disk (records, IPAM, the image store)
 * locks through this one mechanism.
 */
export async function acquireFileLock(lockPath: string, options: FileLockOptions = {}): Promise<ReleaseLock> {
  // Loaded on first use: proper-lockfile (and graceful-fs under it) costs ~10 ms to load.
  const lockfile = require('proper-lockfile') as typeof import('proper-lockfile');
  const staleMs = options.staleMs ?? 10_000;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const warn = options.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  let delay = 2;
  for (;;) {
    try {
      const release = await lockfile.lock(lockPath, {
        realpath: false,
        lockfilePath: lockPath,
        stale: staleMs,
        update: Math.max(1000, Math.floor(staleMs / 3)),
        retries: 0,
        // The library's default throws from a timer, which would kill the command mid-change.
        onCompromised: (err) => warn(`mydocker: warning: lost the lock ${lockPath}: ${err.message}`),
      });
      await writeOwner(lockPath);
      return async () => {
        await unlink(ownerFile(lockPath)).catch(() => undefined);
        await release();
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        await mkdir(dirname(lockPath), { recursive: true });
        continue;
      }
      // The library found the lock stale by its age and could not rmdir it for the owner file inside.
      if (code === 'ENOTEMPTY') {
        await takeOver(lockPath, undefined);
        continue;
      }
      if (code !== 'ELOCKED') throw err;
      const owner = await readOwner(lockPath);
      if (owner && !isProcessAlive(owner.pid, owner.startTime)) {
        await takeOver(lockPath, owner);
        continue;
      }
      if (Date.now() >= deadline) throw new ConflictError(options.busyMessage ?? `${lockPath} is locked by another mydocker command; try again.`);
      await sleep(delay);
      delay = Math.min(delay * 2, 50);
    }
  }
}

export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const release = await acquireFileLock(lockPath, options);
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

interface LockOwner {
  pid: number;
  startTime: number;
}

const ownerFile = (lockPath: string) => join(lockPath, 'owner');

/**
 * Who holds the lock (PID and start time), so that a lock left by a killed process is taken over at once
 * instead of after `staleMs`. Best effort: without it (a full disk) the lock still goes stale by age.
 */
async function writeOwner(lockPath: string): Promise<void> {
  const start = processStartTime(process.pid);
  if (start === undefined) return;
  // The file changes the lock directory's mtime, which proper-lockfile checks as its own at every
  // refresh: put back the mtime it set, or a lock held past the first refresh is reported as lost.
  const before = await stat(lockPath).catch(() => undefined);
  await writeFile(ownerFile(lockPath), `${process.pid} ${start}\n`).catch(() => undefined);
  if (before) await utimes(lockPath, before.atime, before.mtime).catch(() => undefined);
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  let text: string;
  try {
    text = await readFile(ownerFile(lockPath), 'utf8');
  } catch {
    return undefined;
  }
  const m = /^(\d+) (\d+)\n$/.exec(text);
  return m ? { pid: Number(m[1]), startTime: Number(m[2]) } : undefined;
}

/**
 * Moves an abandoned lock out of the way with one rename, so that of several waiters only one takes it.
 * If the lock moved was not the dead owner's after all (another waiter took over and re-locked in between),
 * it is put back.
 */
async function takeOver(lockPath: string, dead: LockOwner | undefined): Promise<void> {
  const aside = `${lockPath}.abandoned-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // someone else moved it first
  }
  const owner = await readOwner(aside);
  if (dead && (owner?.pid !== dead.pid || owner?.startTime !== dead.startTime)) {
    try {
      await rename(aside, lockPath);
      return;
    } catch {
      // A third process locked meanwhile: the moved lock's holder learns it lost it (onCompromised).
    }
  }
  await rm(aside, { recursive: true, force: true });
}
