/** Shared by `logs` and `events` (and anything else with --since/--until); shown in the CLI, so it lives in core. */
import { UsageError } from './errors';

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

function fraction(digits: string | undefined): bigint {
  return BigInt((digits ?? '').padEnd(9, '0') || '0');
}

function offsetMinutes(tz: string): number {
  if (tz === 'Z' || tz === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(tz)!;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

/** Milliseconds for the parts, or undefined when a field is out of range (Feb 30, 25:00, ...). */
function partsToMs({ y, mo, d, h, mi, s }: Parts, utc: boolean): number | undefined {
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const date = utc ? new Date(Date.UTC(y, mo - 1, d, h, mi, s)) : new Date(y, mo - 1, d, h, mi, s);
  const [gy, gm, gd] = utc ? [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()] : [date.getFullYear(), date.getMonth(), date.getDate()];
  if (gy !== y || gm !== mo - 1 || gd !== d) return undefined;
  return date.getTime();
}

const STRICT = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Nanoseconds since the epoch of an RFC 3339 timestamp as the monitor writes it; undefined if malformed. */
export function parseRfc3339(text: string): bigint | undefined {
  const m = STRICT.exec(text);
  if (!m) return undefined;
  const ms = partsToMs({ y: +m[1], mo: +m[2], d: +m[3], h: +m[4], mi: +m[5], s: +m[6] }, true);
  if (ms === undefined) return undefined;
  return (BigInt(ms) - BigInt(offsetMinutes(m[8]) * 60_000)) * NS_PER_MS + fraction(m[7]);
}

/** Docker's `-t` format: UTC, always nine fractional digits. */
export function formatTimestamp(ns: bigint): string {
  const seconds = ns / NS_PER_S;
  const frac = ns % NS_PER_S;
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${frac.toString().padStart(9, '0')}Z`;
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const LOOSE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;

/**
 * A `--since`/`--until` value as nanoseconds since the epoch: an RFC 3339 time (seconds, fraction and
 * zone optional; no zone means local time, as Docker does), a Unix timestamp, or a duration before now
 * in Go's syntax (10m, 1h30m, 90s).
 */
export function parseTimeSpec(value: string, flag: string, nowNs: bigint = BigInt(Date.now()) * NS_PER_MS): bigint {
  const text = value.trim();
  if (DURATION.test(text)) {
    let total = 0;
    for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(amount) * DURATION_UNITS[unit];
    return nowNs - BigInt(Math.round(total));
  }
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (unix) return BigInt(unix[1]) * NS_PER_S + fraction(unix[2]);
  const m = LOOSE.exec(text);
  if (m) {
    const zone = m[8];
    const ms = partsToMs({ y: +m[1], mo: +m[2], d: +m[3], h: +(m[4] ?? 0), mi: +(m[5] ?? 0), s: +(m[6] ?? 0) }, zone !== undefined);
    if (ms !== undefined) return (BigInt(ms) - BigInt(zone ? offsetMinutes(zone) * 60_000 : 0)) * NS_PER_MS + fraction(m[7]);
  }
  throw new UsageError(
    `Invalid value "${value}" for --${flag}: use an RFC 3339 time (2026-11-28T01:57:43Z), a Unix timestamp, or a duration such as 10m or 1h30m.`,
  );
}
