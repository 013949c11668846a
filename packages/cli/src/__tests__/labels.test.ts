import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelMap, resolveLabels } from '../labels';
import { humanSize } from '../ps-rows';
import { splitRunArgs } from '../run-flags';
import { testFlags } from './flag-fixture';

describe('--label and --label-file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'labels-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("Docker's rules: files first, flags last, a later key wins, a bare KEY is empty", () => {
    const file = join(dir, 'labels');
    writeFileSync(file, '# comment\n\ncom.example.label1=a\r\ncom.example.label2=b=c\n  spaced=1\nbare\n');
    expect(resolveLabels(['com.example.label1=override', 'x'], [file])).toEqual([
      'com.example.label1=override',
      'com.example.label2=b=c',
      'spaced=1',
      'bare=',
      'x=',
    ]);
    expect(labelMap(['a=1', 'b=', 'c=d=e'])).toEqual({ a: '1', b: '', c: 'd=e' });
    expect(labelMap(undefined)).toEqual({});
  });

  it('refuses an empty key and a missing file in one sentence', () => {
    expect(() => resolveLabels(['=v'], [])).toThrow(/Invalid label "=v"/);
    expect(() => resolveLabels([], [join(dir, 'missing')])).toThrow(/The label file .* does not exist/);
    expect(() => resolveLabels([], [dir])).toThrow(/The label file .* is a directory/);
  });

  it('-l takes a value before the image', () => {
    expect(splitRunArgs(['-l', 'a=b', '--label-file', 'f', '--mount', 'type=tmpfs,target=/t', '--tmpfs', '/run', 'busybox', '-l'], testFlags())).toEqual({
      flags: ['-l', 'a=b', '--label-file', 'f', '--mount', 'type=tmpfs,target=/t', '--tmpfs', '/run'],
      rest: ['busybox', '-l'],
    });
  });
});

describe("ps -s sizes (go-units' HumanSizeWithPrecision(n, 3))", () => {
  it.each([
    [0, '0B'],
    [2, '2B'],
    [999, '999B'],
    [1000, '1kB'],
    [1_234_567, '1.23MB'],
    [1_980_000, '1.98MB'],
    [12_345_678_901, '12.3GB'],
  ])('%d → %s', (n, text) => expect(humanSize(n)).toBe(text));
});
