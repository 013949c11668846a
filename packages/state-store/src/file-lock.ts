import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, sleep } from '@mydocker/core';

export interface LockTimings {
  /** A lock whose holder has not refreshed it for this long is taken over (the holder was killed). */
  staleMs: number;
  /** How long to wait for a busy lock before giving up. */
  timeoutMs: number;
}

export const DEFAULT_LOCK_TIMINGS: LockTimings = { staleMs: 5_000, timeoutMs: 60_000 };

/** Locks the current async call chain holds, so a nested withLock on the same key does not deadlock. */
const held = new AsyncLocalStorage<ReadonlySet<string>>();

type Release = () => Promise<void>;

/**
 * Cross-process locks, one directory per key under the run root (proper-lockfile: mkdir is atomic on
 * every filesystem, and the holder refreshes the directory's mtime so that a lock left by a killed
 * process goes stale after `staleMs` instead of blocking the engine for good).
 */
export class FileLocks {
  private dirReady?: Promise<unknown>;
  /** Waiters in this process queue here instead of polling the lock directory. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly dir: string,
    private readonly timings: LockTimings = DEFAULT_LOCK_TIMINGS,
    private readonly warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {}

  async withLock<T>(key: string, busyMessage: string, fn: () => Promise<T>): Promise<T> {
    const path = join(this.dir, `${key}.lock`);
    const current = held.getStore();
    if (current?.has(path)) return fn();
    const previous = this.queues.get(path) ?? Promise.resolve();
    let done!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (done = resolve)));
    this.queues.set(path, tail);
    await previous;
    try {
      const release = await this.acquire(path, busyMessage);
      try {
        return await held.run(new Set([...(current ?? []), path]), fn);
      } finally {
        await release().catch(() => undefined);
      }
    } finally {
      done();
      if (this.queues.get(path) === tail) this.queues.delete(path);
    }
  }

  private async acquire(path: string, busyMessage: string): Promise<Release> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lockfile = require('proper-lockfile') as typeof import('proper-lockfile');
    this.dirReady ??= mkdir(this.dir, { recursive: true });
    await this.dirReady;
    const deadline = Date.now() + this.timings.timeoutMs;
    let delay = 2;
    for (;;) {
      try {
        return await lockfile.lock(path, {
          realpath: false,
          lockfilePath: path,
          stale: this.timings.staleMs,
          update: Math.max(1000, Math.floor(this.timings.staleMs / 3)),
          retries: 0,
          // The default throws from a timer and kills the process; a warning is all that is useful here.
          onCompromised: (err) => this.warn(`mydocker: warning: lost the lock ${path}: ${err.message}`),
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          this.dirReady = mkdir(this.dir, { recursive: true });
          await this.dirReady;
          continue;
        }
        if (code !== 'ELOCKED') throw err;
        if (Date.now() >= deadline) throw new ConflictError(busyMessage);
        await sleep(delay);
        delay = Math.min(delay * 2, 50);
      }
    }
  }
}
