import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEntry } from '../format';
import { parseLogConfig } from '../log-options';
import { LogDecoder, type LogLine } from '../decoder';

describe('--log-driver and --log-opt', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'logdrv-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('k8s-file by default; json-file; none; path= for k8s-file', () => {
    expect(parseLogConfig(undefined, [])).toEqual({ driver: 'k8s-file', settings: { maxSize: 10 * 1024 * 1024, maxFiles: 3 } });
    expect(parseLogConfig('json-file', ['max-size=1k', 'max-file=2'])).toEqual({ driver: 'json-file', settings: { maxSize: 1024, maxFiles: 2 } });
    expect(parseLogConfig('none', []).driver).toBe('none');
    expect(parseLogConfig('k8s-file', [`path=${dir}/c.log`]).settings.path).toBe(`${dir}/c.log`);
  });

  it.each([
    ['syslog', [], /Unknown log driver "syslog"/],
    ['none', ['max-size=1m'], /none log driver takes no --log-opt/],
    ['json-file', ['path=/tmp/x.log'], /Unknown log opt "path" for the json-file log driver/],
    ['k8s-file', ['path=relative.log'], /give an absolute file path/],
    ['k8s-file', ['path=/no/such/dir/x.log'], /the directory \/no\/such\/dir does not exist/],
    ['k8s-file', ['path=/tmp'], /it is a directory/],
    ['k8s-file', ['mode=non-blocking'], /Unknown log option "mode"/],
  ])('refuses %s %p', (driver, opts, message) => expect(() => parseLogConfig(driver, opts as string[])).toThrow(message));
});

describe("json-file entries (Docker's format)", () => {
  it('parses full and partial lines, and refuses malformed ones', () => {
    const full = parseEntry(Buffer.from('{"log":"hi \\"x\\"\\u0001\\n","stream":"stderr","time":"2026-11-30T14:02:39.213074798Z"}'));
    expect(full).toMatchObject({ stream: 'stderr', partial: false });
    expect(full?.data.toString()).toBe('hi "x"\u0001');
    expect(full?.time).toBe(1796047359213074798n);
    expect(parseEntry(Buffer.from('{"log":"part","stream":"stdout","time":"2026-11-30T14:02:39Z"}'))).toMatchObject({ partial: true });
    for (const bad of [
      '{"log":1,"stream":"stdout","time":"2026-11-30T14:02:39Z"}',
      '{"log":"x","stream":"other","time":"2026-11-30T14:02:39Z"}',
      '{"log":"x","stream":"stdout","time":"yesterday"}',
      '{not json',
    ]) {
      expect(parseEntry(Buffer.from(bad))).toBeUndefined();
    }
  });

  it('the decoder joins a partial entry with the line that ends it', () => {
    const lines: LogLine[] = [];
    const d = new LogDecoder((l) => lines.push(l));
    d.push(Buffer.from('{"log":"ab","stream":"stdout","time":"2026-11-30T14:02:39Z"}\n{"log":"c\\n","stream":"stdout","time":"2026-11-30T14:02:40Z"}\n'));
    expect(lines.map((l) => l.data.toString())).toEqual(['abc\n']);
  });
});
