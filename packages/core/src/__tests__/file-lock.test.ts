import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireFileLock } from '../file-lock';
import { processStartTime } from '../process';

describe('acquireFileLock', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mydocker-lock-unit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fakeLock = (owner: string, ageMs = 0) => {
    const path = join(dir, 'k.lock');
    mkdirSync(path);
    writeFileSync(join(path, 'owner'), owner);
    const t = (Date.now() - ageMs) / 1000;
    utimesSync(path, t, t);
    return path;
  };

  it('records its owner while held and leaves nothing once released', async () => {
    const release = await acquireFileLock(join(dir, 'k.lock'));
    expect(readdirSync(join(dir, 'k.lock'))).toEqual(['owner']);
    await release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is not reported lost when held past its first refresh (the owner file keeps the mtime the library set)', async () => {
    const warnings: string[] = [];
    const release = await acquireFileLock(join(dir, 'k.lock'), { staleMs: 3000, warn: (m) => warnings.push(m) });
    // The refresh runs every second: wait for two of them to have looked at the directory.
    await new Promise((r) => setTimeout(r, 2500));
    await release();
    expect(warnings).toEqual([]);
  });

  it('takes over at once a fresh lock whose owner is dead (a killed run), long before it goes stale', async () => {
    const path = fakeLock('999999 12345\n');
    const started = Date.now();
    const release = await acquireFileLock(path, { staleMs: 60_000, timeoutMs: 2000 });
    expect(Date.now() - started).toBeLessThan(1000);
    await release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('waits for a lock whose owner lives', async () => {
    const path = fakeLock(`${process.pid} ${processStartTime(process.pid)}\n`);
    await expect(acquireFileLock(path, { staleMs: 60_000, timeoutMs: 300, busyMessage: 'busy.' })).rejects.toThrow('busy.');
    expect(existsSync(join(path, 'owner'))).toBe(true);
  });

  it('still takes over a lock gone stale by age although it holds an owner file', async () => {
    const path = fakeLock(`${process.pid} ${processStartTime(process.pid)}\n`, 10_000);
    const release = await acquireFileLock(path, { staleMs: 2000, timeoutMs: 2000 });
    await release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves alone, when released, a lock another process took over meanwhile (its owner file names that one)', async () => {
    const path = join(dir, 'k.lock');
    const release = await acquireFileLock(path, { staleMs: 60_000 });
    // What a take-over does: the old lock moved aside and removed, a new one made with its holder.
    rmSync(path, { recursive: true });
    mkdirSync(path);
    writeFileSync(join(path, 'owner'), '1 1\n');
    await release();
    expect(readdirSync(path)).toEqual(['owner']);
  });
});
