import { existsSync, readdirSync } from 'node:fs';
import { ConflictError } from '@mydocker/core';
import { FileLocks } from '../file-lock';
import { tempRoots } from './helpers';

describe('FileLocks', () => {
  let roots: ReturnType<typeof tempRoots>;
  beforeEach(() => (roots = tempRoots()));
  afterEach(() => roots.cleanup());

  it('releases the lock when the function throws', async () => {
    const locks = new FileLocks(roots.runRoot);
    await expect(locks.withLock('k', 'busy', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(readdirSync(roots.runRoot)).toEqual([]);
    await expect(locks.withLock('k', 'busy', async () => 42)).resolves.toBe(42);
  });

  it('serializes holders of one key and lets other keys run', async () => {
    const locks = new FileLocks(roots.runRoot);
    const events: string[] = [];
    const hold = (key: string, label: string, ms: number) =>
      locks.withLock(key, 'busy', async () => {
        events.push(`${label}+`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`${label}-`);
      });
    await Promise.all([hold('a', 'a1', 30), hold('a', 'a2', 1), hold('b', 'b1', 1)]);
    expect(events.indexOf('a2+')).toBeGreaterThan(events.indexOf('a1-'));
    expect(events.indexOf('b1-')).toBeLessThan(events.indexOf('a1-'));
  });

  it('is re-entrant within one call chain instead of deadlocking', async () => {
    const locks = new FileLocks(roots.runRoot, { staleMs: 2000, timeoutMs: 500 });
    const result = await locks.withLock('k', 'busy', () => locks.withLock('k', 'busy', async () => 'inner'));
    expect(result).toBe('inner');
  });

  it('gives up with the busy sentence when the lock stays held', async () => {
    const locks = new FileLocks(roots.runRoot, { staleMs: 5000, timeoutMs: 200 });
    const other = new FileLocks(roots.runRoot, { staleMs: 5000, timeoutMs: 200 });
    let release!: () => void;
    const holding = locks.withLock('k', 'busy', () => new Promise<void>((r) => (release = r)));
    while (!existsSync(`${roots.runRoot}/k.lock`)) await new Promise((r) => setTimeout(r, 5));
    await expect(other.withLock('k', 'The thing is busy.', async () => 1)).rejects.toThrow(new ConflictError('The thing is busy.'));
    release();
    await holding;
  });
});
