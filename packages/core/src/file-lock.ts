import { mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConflictError } from './errors';
import { isProcessAlive, processStartTime, sleep } from './process';
import { randomHex } from './random';

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
 * Takes an exclusive lock across processes: a directory at `lockPath` made with an atomic mkdir, its
 * holder (PID + start time) in an `owner` file inside, its mtime refreshed while held, so that a killed
 * holder's lock is taken over at once (dead owner) or once stale by age (no owner file: a full disk), and
 * never blocks the engine for good. Every plugin that keeps shared state on disk (records, IPAM, the image
 * store) locks through this one mechanism.
 *
 * This is proper-lockfile's protocol (mkdir, mtime refresh, stale by mtime age, "compromised" when the
 * mtime is no longer ours), which builds before this one used and still interoperate with, done with
 * synchronous calls: each is a few microseconds on a local file, where the library's asynchronous ones
 * (and graceful-fs, which it loads) cost a thread-pool round trip each and ~5 ms to load, on every command.
 */
export async function acquireFileLock(lockPath: string, options: FileLockOptions = {}): Promise<ReleaseLock> {
  const staleMs = options.staleMs ?? 10_000;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const warn = options.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  let delay = 2;
  for (;;) {
    const code = tryMkdir(lockPath);
    if (code === undefined) return hold(lockPath, staleMs, warn);
    if (code === 'ENOENT') {
      mkdirSync(dirname(lockPath), { recursive: true });
      continue;
    }
    if (code !== 'EEXIST') throw Object.assign(new Error(`Cannot take the lock ${lockPath}: ${code}.`), { code });
    const mtime = mtimeOf(lockPath);
    if (mtime === undefined) continue; // released meanwhile
    const owner = readOwner(lockPath);
    if (mtime < Date.now() - staleMs) {
      takeOver(lockPath, (aside) => (mtimeOf(aside) ?? 0) < Date.now() - staleMs);
      continue;
    }
    if (owner && !isProcessAlive(owner.pid, owner.startTime)) {
      takeOver(lockPath, (aside) => sameOwner(readOwner(aside), owner));
      continue;
    }
    if (Date.now() >= deadline) throw new ConflictError(options.busyMessage ?? `${lockPath} is locked by another mydocker command; try again.`);
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
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

function tryMkdir(path: string): string | undefined {
  try {
    mkdirSync(path);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

function mtimeOf(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

let ownStartTime: number | undefined;

/**
 * The lock is ours: write who holds it (best effort: without it, a full disk, the lock still goes stale by
 * age), remember the mtime we left, and refresh it every third of `staleMs` (an unref'd timer: it never
 * keeps a command alive). A refresh that finds another mtime, or no lock, means another process took the
 * lock over as stale (our event loop stalled past `staleMs`): say so, and leave the new holder's lock alone.
 */
function hold(lockPath: string, staleMs: number, warn: (message: string) => void): ReleaseLock {
  ownStartTime ??= processStartTime(process.pid);
  const own = ownStartTime === undefined ? undefined : `${process.pid} ${ownStartTime}\n`;
  if (own) {
    try {
      writeFileSync(ownerFile(lockPath), own);
    } catch {
      // A full disk: the lock goes stale by age instead.
    }
  }
  let mtime = mtimeOf(lockPath);
  let lost = false;
  let timer: NodeJS.Timeout | undefined;
  const refresh = () => {
    timer = undefined;
    const current = mtimeOf(lockPath);
    if (current === undefined || current !== mtime) {
      lost = true;
      warn(`mydocker: warning: lost the lock ${lockPath}: ${current === undefined ? 'it was removed' : 'Unable to update lock within the stale threshold'}`);
      return;
    }
    try {
      const now = new Date();
      utimesSync(lockPath, now, now);
      mtime = mtimeOf(lockPath);
    } catch {
      // Retried at the next refresh; past staleMs another process may take it over, which that refresh tells.
    }
    schedule();
  };
  const schedule = () => {
    timer = setTimeout(refresh, Math.max(1000, Math.floor(staleMs / 3)));
    timer.unref();
  };
  schedule();
  return async () => {
    if (timer) clearTimeout(timer);
    if (lost) return;
    lost = true;
    // Only our own lock goes: one taken over meanwhile (its owner file names another process) stays.
    const owner = readOwner(lockPath);
    if (own && owner && `${owner.pid} ${owner.startTime}\n` !== own) return;
    try {
      unlinkSync(ownerFile(lockPath));
    } catch {
      // Not written (a full disk), or gone.
    }
    try {
      rmdirSync(lockPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  };
}

function readOwner(lockPath: string): LockOwner | undefined {
  let text: string;
  try {
    text = readFileSync(ownerFile(lockPath), 'utf8');
  } catch {
    return undefined;
  }
  const m = /^(\d+) (\d+)\n$/.exec(text);
  return m ? { pid: Number(m[1]), startTime: Number(m[2]) } : undefined;
}

const sameOwner = (a: LockOwner | undefined, b: LockOwner) => a?.pid === b.pid && a?.startTime === b.startTime;

/**
 * Moves an abandoned lock out of the way with one rename, so that of several waiters only one takes it.
 * If the lock moved was not the abandoned one after all (another waiter took over and re-locked in
 * between: `stillAbandoned` says no), it is put back.
 */
function takeOver(lockPath: string, stillAbandoned: (aside: string) => boolean): void {
  const aside = `${lockPath}.abandoned-${process.pid}-${randomHex(4)}`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return; // someone else moved it first
  }
  if (!stillAbandoned(aside)) {
    try {
      renameSync(aside, lockPath);
      return;
    } catch {
      // A third process locked meanwhile: the moved lock's holder learns it lost it at its next refresh.
    }
  }
  rmSync(aside, { recursive: true, force: true });
}
