import { AsyncLocalStorage } from 'node:async_hooks';
import { join } from 'node:path';
import { acquireFileLock } from '@mydocker/core';

export interface LockTimings {
  /** A lock whose holder has not refreshed it for this long is taken over (the holder was killed). */
  staleMs: number;
  /** How long to wait for a busy lock before giving up. */
  timeoutMs: number;
}

/**
 * A run holds its container's lock from create to started, through mounts and iptables calls that can
 * stall its event loop for seconds when dozens of commands race on two cores: the age at which a lock counts
 * as abandoned is long, because a lock whose holder died is taken over at once anyway (core's lock
 * records its owner) and age only matters when the owner could not be written (a full disk).
 */
export const DEFAULT_LOCK_TIMINGS: LockTimings = { staleMs: 30_000, timeoutMs: 60_000 };

/** Locks the current async call chain holds, so a nested withLock on the same key does not deadlock. */
const held = new AsyncLocalStorage<ReadonlySet<string>>();

type Release = () => Promise<void>;

/**
 * Cross-process locks, one per key under the run root (core's acquireFileLock), plus what a store
 * needs on top: waiters in one process queue instead of polling, and a nested withLock on a key the
 * call chain already holds does not deadlock.
 */
export class FileLocks {
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

  private acquire(path: string, busyMessage: string): Promise<Release> {
    return acquireFileLock(path, { ...this.timings, busyMessage, warn: this.warn });
  }
}
