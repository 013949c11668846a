import { UsageError } from '@mydocker/core';
import { formatTimestamp, parseRfc3339, parseTimeSpec } from '../time-spec';

const NOW = BigInt(Date.UTC(2026, 10, 28, 12, 0, 0)) * 1_000_000n;
const S = 1_000_000_000n;

describe('parseRfc3339 / formatTimestamp', () => {
  it("round-trips Docker's nine-digit format", () => {
    const t = '2026-11-28T01:57:43.123456789Z';
    expect(formatTimestamp(parseRfc3339(t)!)).toBe(t);
  });

  it('normalizes offsets and short fractions to UTC with nine digits', () => {
    expect(formatTimestamp(parseRfc3339('2026-11-28T03:57:43.5+02:00')!)).toBe('2026-11-28T01:57:43.500000000Z');
    expect(formatTimestamp(parseRfc3339('2026-11-28T01:57:43Z')!)).toBe('2026-11-28T01:57:43.000000000Z');
  });
});

describe('parseTimeSpec', () => {
  it.each([
    ['10m', NOW - 600n * S],
    ['1h30m', NOW - 5400n * S],
    ['90s', NOW - 90n * S],
    ['1.5h', NOW - 5400n * S],
    ['250ms', NOW - 250_000_000n],
  ])('duration %s is relative to now', (value, expected) => {
    expect(parseTimeSpec(value, 'since', NOW)).toBe(expected);
  });

  it.each([
    ['2026-11-28T01:57:43Z', '2026-11-28T01:57:43.000000000Z'],
    ['2026-11-28T01:57:43.123456789Z', '2026-11-28T01:57:43.123456789Z'],
    ['2026-11-28T01:57:43.12Z', '2026-11-28T01:57:43.120000000Z'],
    ['2026-11-28T02:57:43+01:00', '2026-11-28T01:57:43.000000000Z'],
    ['2026-11-28T01:57:43-0530', '2026-11-28T07:27:43.000000000Z'],
    ['2026-11-28T01:57Z', '2026-11-28T01:57:00.000000000Z'],
    ['2026-11-28Z', '2026-11-28T00:00:00.000000000Z'],
    ['1795831063', '2026-11-28T01:57:43.000000000Z'],
    ['1795831063.25', '2026-11-28T01:57:43.250000000Z'],
  ])('absolute %s', (value, expected) => {
    expect(formatTimestamp(parseTimeSpec(value, 'since', NOW))).toBe(expected);
  });

  it('reads a time without a zone as local time, as Docker does', () => {
    const local = BigInt(new Date(2026, 10, 28, 1, 57, 43).getTime()) * 1_000_000n;
    expect(parseTimeSpec('2026-11-28T01:57:43', 'since', NOW)).toBe(local);
    expect(parseTimeSpec('2026-11-28T01:57:43.5', 'since', NOW)).toBe(local + 500_000_000n);
    expect(parseTimeSpec('2026-11-28', 'since', NOW)).toBe(BigInt(new Date(2026, 10, 28).getTime()) * 1_000_000n);
  });

  it('reads a bare number as a Unix timestamp, like Docker', () => {
    expect(parseTimeSpec('10', 'since', NOW)).toBe(10n * S);
  });

  it.each(['', 'yesterday', '10x', '-5m', '2026-13-01T00:00:00Z', '2026-02-30', '2026-11-28T25:00:00Z', '2026-11-28T01:57:43+1'])(
    'refuses %p with one sentence naming the flag',
    (value) => {
      expect(() => parseTimeSpec(value, 'until', NOW)).toThrow(UsageError);
      expect(() => parseTimeSpec(value, 'until', NOW)).toThrow(new RegExp(`^Invalid value ".*" for --until: use an RFC 3339 time`));
    },
  );
});
