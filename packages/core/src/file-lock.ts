import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConflictError } from './errors';
import { sleep } from './process';

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
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lockfile = require('proper-lockfile') as typeof import('proper-lockfile');
  const staleMs = options.staleMs ?? 10_000;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const warn = options.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  let delay = 2;
  for (;;) {
    try {
      return await lockfile.lock(lockPath, {
        realpath: false,
        lockfilePath: lockPath,
        stale: staleMs,
        update: Math.max(1000, Math.floor(staleMs / 3)),
        retries: 0,
        // The library's default throws from a timer, which would kill the command mid-change.
        onCompromised: (err) => warn(`mydocker: warning: lost the lock ${lockPath}: ${err.message}`),
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        await mkdir(dirname(lockPath), { recursive: true });
        continue;
      }
      if (code !== 'ELOCKED') throw err;
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
