import { parseEntry } from '../format';
import { LogDecoder, type LogLine } from '../decoder';
import { parseRfc3339 } from '../time-spec';
import { entry, text } from './fixtures';

function decode(...chunks: Buffer[]): { lines: LogLine[]; decoder: LogDecoder } {
  const lines: LogLine[] = [];
  const decoder = new LogDecoder((l) => lines.push(l));
  for (const c of chunks) decoder.push(c);
  return { lines, decoder };
}

describe('parseEntry', () => {
  it('parses the k8s-file fields', () => {
    const e = parseEntry(Buffer.from('2026-11-28T01:57:43.123456789Z stdout F hello world'))!;
    expect(e.time).toBe(parseRfc3339('2026-11-28T01:57:43.123456789Z'));
    expect(e.time % 1_000_000_000n).toBe(123456789n);
    expect(e).toMatchObject({ stream: 'stdout', partial: false });
    expect(e.data.toString()).toBe('hello world');
  });

  it('keeps leading spaces and binary bytes of the payload', () => {
    const payload = Buffer.from([0x20, 0x00, 0xff, 0xfe, 0x0d, 0x20]);
    const e = parseEntry(Buffer.concat([Buffer.from('2026-11-28T01:57:43.000000001Z stderr P '), payload]))!;
    expect(e).toMatchObject({ stream: 'stderr', partial: true });
    expect(Buffer.compare(e.data, payload)).toBe(0);
  });

  it('accepts an empty line with or without the trailing space', () => {
    expect(parseEntry(Buffer.from('2026-11-28T01:57:43Z stdout F '))!.data.length).toBe(0);
    expect(parseEntry(Buffer.from('2026-11-28T01:57:43Z stdout F'))!.data.length).toBe(0);
  });

  it.each([
    'garbage',
    '2026-11-28T01:57:43Z stdin F x',
    '2026-11-28T01:57:43Z stdout X x',
    '2026-11-28T01:57:43Z stdout Fx',
    'yesterday stdout F x',
    '2026-02-30T01:57:43Z stdout F x',
    '2026-11-28T01:57:43Z',
  ])('refuses %p', (line) => {
    expect(parseEntry(Buffer.from(line))).toBeUndefined();
  });
});

describe('LogDecoder', () => {
  it('adds back the newline of F entries and keeps streams apart', () => {
    const { lines } = decode(Buffer.concat([entry(0, 'stdout', 'out'), entry(1, 'stderr', 'err'), entry(2, 'stdout', '')]));
    expect(text(lines)).toEqual(['stdout:out\n', 'stderr:err\n', 'stdout:\n']);
  });

  it("joins P entries with the F that ends them, per stream, with the first chunk's time", () => {
    const { lines, decoder } = decode(
      Buffer.concat([
        entry(0, 'stdout', 'hel', true),
        entry(1, 'stderr', 'oops', true),
        entry(2, 'stdout', 'lo', true),
        entry(3, 'stdout', ' world'),
        entry(4, 'stderr', '!'),
      ]),
    );
    expect(text(lines)).toEqual(['stdout:hello world\n', 'stderr:oops!\n']);
    expect(lines[0].time).toBe(parseRfc3339('2026-11-28T01:57:00Z'));
    expect(lines[1].time).toBe(parseRfc3339('2026-11-28T01:57:01Z'));
    decoder.flush();
    expect(lines).toHaveLength(2);
  });

  it('flushes a last partial line without adding a newline', () => {
    const { lines, decoder } = decode(Buffer.concat([entry(0, 'stdout', 'done'), entry(1, 'stdout', 'no newline', true)]));
    expect(text(lines)).toEqual(['stdout:done\n']);
    decoder.flush();
    expect(text(lines)).toEqual(['stdout:done\n', 'stdout:no newline']);
  });

  it('splits entries across arbitrary chunk boundaries', () => {
    const all = Buffer.concat([entry(0, 'stdout', 'first line'), entry(1, 'stderr', 'second'), entry(2, 'stdout', 'third')]);
    for (let size = 1; size < 40; size += 7) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < all.length; i += size) chunks.push(Buffer.from(all.subarray(i, i + size)));
      expect(text(decode(...chunks).lines)).toEqual(['stdout:first line\n', 'stderr:second\n', 'stdout:third\n']);
    }
  });

  it('tolerates a torn last entry and completes it when the rest arrives', () => {
    const whole = entry(1, 'stdout', 'written slowly');
    const { lines, decoder } = decode(Buffer.concat([entry(0, 'stdout', 'ok'), whole.subarray(0, 20)]));
    expect(text(lines)).toEqual(['stdout:ok\n']);
    decoder.push(whole.subarray(20));
    expect(text(lines)).toEqual(['stdout:ok\n', 'stdout:written slowly\n']);
  });

  it('drops a torn entry at the end of a finished file, and skips corrupt lines', () => {
    const { lines, decoder } = decode(Buffer.concat([Buffer.from('not an entry\n'), entry(0, 'stdout', 'a'), entry(1, 'stdout', 'torn').subarray(0, 25)]));
    decoder.dropTorn();
    decoder.push(entry(2, 'stdout', 'b'));
    expect(text(lines)).toEqual(['stdout:a\n', 'stdout:b\n']);
    expect(decoder.skipped).toBe(1);
  });

  it('reassembles a 1 MiB binary line split into 16 KiB partials, byte for byte', () => {
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 256 === 10 ? 11 : (i * 7919) % 256;
    const parts: Buffer[] = [];
    for (let i = 0; i < big.length; i += 16384) {
      const last = i + 16384 >= big.length;
      parts.push(entry(i / 16384, 'stdout', big.subarray(i, i + 16384), !last));
    }
    const { lines } = decode(Buffer.concat(parts));
    expect(lines).toHaveLength(1);
    expect(lines[0].data.length).toBe(big.length + 1);
    expect(Buffer.compare(lines[0].data.subarray(0, big.length), big)).toBe(0);
    expect(lines[0].data[big.length]).toBe(10);
  });
});
