import { appendFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { logFiles, removeLogFiles } from '../files';
import { followLog } from '../follow';
import { readLogLines } from '../reader';
import { parseRfc3339 } from '../time-spec';
import { entry, tempDir, text, ts } from './fixtures';

describe('reading a rotated log', () => {
  let tmp: ReturnType<typeof tempDir>;
  let path: string;
  beforeEach(() => {
    tmp = tempDir();
    path = join(tmp.dir, 'container.log');
  });
  afterEach(() => tmp.cleanup());

  function writeRotated() {
    // Oldest in the highest number, as the monitor's renames leave them; path.10 sorts after path.2 numerically.
    writeFileSync(`${path}.10`, entry(0, 'stdout', 'zero'));
    writeFileSync(`${path}.2`, Buffer.concat([entry(1, 'stdout', 'one'), entry(2, 'stdout', 'two-a', true)]));
    writeFileSync(`${path}.1`, Buffer.concat([entry(3, 'stdout', 'two-b'), entry(4, 'stderr', 'three')]));
    writeFileSync(path, Buffer.concat([entry(5, 'stdout', 'four'), entry(6, 'stdout', 'fi')]));
    writeFileSync(`${path}.tmp`, 'not part of the log');
    writeFileSync(join(tmp.dir, 'other.log.1'), 'nor this');
  }

  it('lists files oldest first and reads them in that order, joining a line split by rotation', async () => {
    writeRotated();
    expect(await logFiles(path)).toEqual([`${path}.10`, `${path}.2`, `${path}.1`, path]);
    expect(text(await readLogLines(path))).toEqual(['stdout:zero\n', 'stdout:one\n', 'stdout:two-atwo-b\n', 'stderr:three\n', 'stdout:four\n', 'stdout:fi\n']);
  });

  it('--tail keeps the last N lines; 0 shows none', async () => {
    writeRotated();
    expect(text(await readLogLines(path, { tail: 2 }))).toEqual(['stdout:four\n', 'stdout:fi\n']);
    expect(await readLogLines(path, { tail: 0 })).toEqual([]);
    expect(await readLogLines(path, { tail: 100 })).toHaveLength(6);
  });

  it('--since and --until bound the lines by time (inclusive), before --tail', async () => {
    writeRotated();
    const at = (s: number) => parseRfc3339(ts(s))!;
    expect(text(await readLogLines(path, { since: at(3) }))).toEqual(['stderr:three\n', 'stdout:four\n', 'stdout:fi\n']);
    expect(text(await readLogLines(path, { until: at(1) }))).toEqual(['stdout:zero\n', 'stdout:one\n']);
    expect(text(await readLogLines(path, { since: at(1), until: at(4), tail: 1 }))).toEqual(['stderr:three\n']);
  });

  it('a missing log reads as empty, and removeLogFiles deletes every file of it only', async () => {
    expect(await readLogLines(path)).toEqual([]);
    writeRotated();
    await removeLogFiles(path);
    expect(await logFiles(path)).toEqual([]);
    expect(existsSync(`${path}.tmp`)).toBe(true);
    expect(existsSync(join(tmp.dir, 'other.log.1'))).toBe(true);
    await removeLogFiles(path);
  });

  it('ignores a torn entry at the end of the live file', async () => {
    writeFileSync(path, Buffer.concat([entry(0, 'stdout', 'whole'), entry(1, 'stdout', 'half').subarray(0, 30)]));
    expect(text(await readLogLines(path))).toEqual(['stdout:whole\n']);
  });

  describe('follow', () => {
    it('reads new entries as they come, across rotations, and ends when the container is gone', async () => {
      writeFileSync(`${path}.1`, entry(0, 'stdout', 'old'));
      writeFileSync(path, entry(1, 'stdout', 'history'));
      const lines: string[] = [];
      let alive = true;
      let settled = false;
      const following = followLog(
        path,
        {
          pollMs: 10,
          isAlive: async () => alive,
          settle: async () => {
            settled = true;
          },
        },
        (l) => lines.push(`${l.stream}:${l.data}`),
      );
      const waitFor = async (n: number) => {
        while (lines.length < n) await new Promise((r) => setTimeout(r, 5));
      };
      await waitFor(2);
      const torn = entry(2, 'stderr', 'arrives in two writes');
      appendFileSync(path, torn.subarray(0, 15));
      await new Promise((r) => setTimeout(r, 40));
      appendFileSync(path, torn.subarray(15));
      await waitFor(3);
      // Rotation: bytes written to the old file just before the rename are still read, then the new files.
      appendFileSync(path, entry(3, 'stdout', 'last in old file'));
      renameSync(`${path}.1`, `${path}.2`);
      renameSync(path, `${path}.1`);
      writeFileSync(path, entry(4, 'stdout', 'first in new file'));
      await waitFor(5);
      // Two rotations between polls: the file in between is not lost.
      appendFileSync(path, entry(5, 'stdout', 'partial ', true));
      renameSync(`${path}.1`, `${path}.2`);
      renameSync(path, `${path}.1`);
      writeFileSync(path, entry(6, 'stdout', 'middle'));
      renameSync(`${path}.1`, `${path}.2`);
      renameSync(path, `${path}.1`);
      writeFileSync(path, entry(7, 'stdout', 'newest'));
      await waitFor(7);
      appendFileSync(path, entry(8, 'stdout', 'written while stopping', true));
      alive = false;
      await following;
      expect(settled).toBe(true);
      expect(lines).toEqual([
        'stdout:old\n',
        'stdout:history\n',
        'stderr:arrives in two writes\n',
        'stdout:last in old file\n',
        'stdout:first in new file\n',
        'stdout:partial middle\n',
        'stdout:newest\n',
        'stdout:written while stopping',
      ]);
    });

    it('waits for a log that does not exist yet, and applies --tail to the history only', async () => {
      writeFileSync(`${path}.1`, Buffer.concat([entry(0, 'stdout', 'a'), entry(1, 'stdout', 'b'), entry(2, 'stdout', 'c')]));
      const lines: string[] = [];
      let alive = true;
      const following = followLog(path, { pollMs: 10, tail: 1, isAlive: async () => alive }, (l) => lines.push(String(l.data)));
      while (lines.length < 1) await new Promise((r) => setTimeout(r, 5));
      writeFileSync(path, Buffer.concat([entry(3, 'stdout', 'd'), entry(4, 'stdout', 'e')]));
      while (lines.length < 3) await new Promise((r) => setTimeout(r, 5));
      alive = false;
      await following;
      expect(lines).toEqual(['c\n', 'd\n', 'e\n']);
    });
  });
});
