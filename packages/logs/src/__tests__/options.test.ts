import { UsageError } from '@mydocker/core';
import { DEFAULT_LOG_SETTINGS, parseLogOpts, parseSize } from '../log-options';
import { parseTail } from '../logs-command';

describe('log options', () => {
  it.each([
    ['100', 100],
    ['1b', 1],
    ['1k', 1024],
    ['1K', 1024],
    ['10m', 10 * 1024 * 1024],
    ['10mb', 10 * 1024 * 1024],
    ['2MiB', 2 * 1024 * 1024],
    ['1g', 1024 ** 3],
    ['1.5k', 1536],
    ['-1', 0],
  ])('size %s = %d bytes', (value, bytes) => expect(parseSize(value)).toBe(bytes));

  it.each(['', 'm', '0', '10q', '-5m', '1.2.3k', 'ten'])('refuses size %p', (value) => expect(parseSize(value)).toBeUndefined());

  it('defaults to 10m and 3 files; later entries win', () => {
    expect(parseLogOpts([])).toEqual({ maxSize: 10 * 1024 * 1024, maxFiles: 3 });
    expect(DEFAULT_LOG_SETTINGS).toEqual({ maxSize: 10 * 1024 * 1024, maxFiles: 3 });
    expect(parseLogOpts(['max-size=1k', 'max-file=2', 'max-file=5'])).toEqual({ maxSize: 1024, maxFiles: 5 });
  });

  it.each([
    [['max-size'], 'Invalid --log-opt "max-size": use KEY=VALUE, e.g. max-size=10m.'],
    [['=3'], 'Invalid --log-opt "=3": use KEY=VALUE, e.g. max-size=10m.'],
    [['max-size=lots'], 'Invalid --log-opt max-size "lots": use a positive size such as 500k, 10m or 1g, or -1 for no limit.'],
    [['max-file=0'], 'Invalid --log-opt max-file "0": use a whole number from 1 to 1000.'],
    [['max-file=2.5'], 'Invalid --log-opt max-file "2.5": use a whole number from 1 to 1000.'],
    [['compress=true'], 'Unknown log option "compress": the supported ones are max-size, max-file and path.'],
  ])('refuses %p with one sentence', (entries, message) => {
    expect(() => parseLogOpts(entries)).toThrow(new UsageError(message));
  });

  it('parses --tail', () => {
    expect(parseTail(undefined)).toBeUndefined();
    expect(parseTail('all')).toBeUndefined();
    expect(parseTail('2')).toBe(2);
    expect(parseTail(0)).toBe(0);
    expect(parseTail('-1')).toBeUndefined();
    expect(() => parseTail('two')).toThrow('Invalid --tail value "two": use a number of lines or "all".');
  });
});
