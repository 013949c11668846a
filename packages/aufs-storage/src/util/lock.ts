import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Runs `fn` holding an exclusive lock across processes (proper-lockfile: an atomic mkdir, refreshed
 * while held and taken over when stale, so a crashed holder never blocks forever).
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const lockfile = require('proper-lockfile') as typeof import('proper-lockfile');
  mkdirSync(dirname(lockPath), { recursive: true });
  const release = await lockfile.lock(dirname(lockPath), {
    lockfilePath: lockPath,
    realpath: false,
    stale: 30_000,
    retries: { retries: 600, minTimeout: 20, maxTimeout: 200, factor: 1.3 },
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
