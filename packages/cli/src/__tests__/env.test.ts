import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEnv } from '../env';

describe('resolveEnv env files', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'envfile-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  it('reads KEY=VALUE lines, skipping comments and blank lines, and copies KEY from the caller', () => {
    const f = file('ok.env', '# c\nA=1\n\n  B=two words\r\nC\nD\n');
    expect(resolveEnv(['E=5'], [f], { C: 'from-caller' })).toEqual(['A=1', 'B=two words', 'C=from-caller', 'E=5']);
  });

  it('refuses a missing file, a directory, a device and a binary file with one sentence each', () => {
    expect(() => resolveEnv([], [join(dir, 'nope')], {})).toThrow(/^The env file ".*nope" does not exist\.$/);
    expect(() => resolveEnv([], [dir], {})).toThrow(/^The env file ".*" is a directory: give a file of KEY=VALUE lines\.$/);
    expect(() => resolveEnv([], ['/dev/zero'], {})).toThrow('The env file "/dev/zero" is a device, not a file of KEY=VALUE lines.');
    const elf = file('bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]));
    expect(() => resolveEnv([], [elf], {})).toThrow(/is not a text file \(line 1 holds a NUL byte\)/);
    const latin1 = file('latin1', Buffer.from('A=1\nB=caf\xe9\n', 'latin1'));
    expect(() => resolveEnv([], [latin1], {})).toThrow(/is not a text file \(line 2 holds bytes that are not UTF-8\)/);
  });

  it('echoes a bad entry and a file name with their control bytes escaped', () => {
    const f = file('bad\nname', 'GOOD=1\nBAD KEY\x1b[2K=1\n');
    let message = '';
    try {
      resolveEnv([], [f], {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(`Invalid environment variable "BAD KEY\\x1b[2K=1" in "${dir}/bad\\nname" line 2: use KEY=VALUE with a name of letters, digits and _.`);
  });
});
