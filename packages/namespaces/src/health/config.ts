import { UsageError, type ImageHealthcheck } from '@mydocker/core';

/** The health-check flags of `run`/`create` as typed (durations such as "30s", "1m30s"). */
export interface HealthOptions {
  cmd?: string;
  interval?: string;
  timeout?: string;
  retries?: string;
  startPeriod?: string;
  /** --health-start-interval (API 1.44): the interval while in the start period. */
  startInterval?: string;
  /** --no-healthcheck: disable the image's HEALTHCHECK. */
  none?: boolean;
}

/** A container's health check, resolved at create from its flags and its image's HEALTHCHECK. */
export interface HealthConfig {
  /** Docker's Test: ["CMD", arg...] or ["CMD-SHELL", command]. */
  test: string[];
  /** 0 means Docker's default (30 s interval and timeout, no start period, 3 retries). */
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  /** 0: Docker's default (5 s) when there is a start period. */
  startIntervalMs?: number;
  retries: number;
}

export const HEALTH_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, startIntervalMs: 5_000, retries: 3 } as const;

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration (what Docker's --health-* flags take), in milliseconds. */
export function parseGoDuration(text: string, flag: string): number {
  const bad = () => new UsageError(`Invalid argument "${text}" for "${flag}" flag: time: invalid duration "${text}".`);
  if (text === '0') return 0;
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(text);
  if (!m) throw bad();
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) total += Number(amount) * UNITS[unit];
  return m[1] === '-' ? -total : total;
}

const NS_PER_MS = 1e6;

/**
 * Docker's rules: the flags override the image's HEALTHCHECK field by field (a zero flag keeps the
 * image's value), `--health-cmd` is a CMD-SHELL test, `--no-healthcheck` (or a NONE test) means no check.
 * Negative values, and intervals below 1 ms, are refused as Docker refuses them. Undefined: no check.
 */
export function resolveHealthcheck(flags: HealthOptions | undefined, image: ImageHealthcheck | undefined): HealthConfig | undefined {
  const f = flags ?? {};
  const tuned = [f.cmd, f.interval, f.timeout, f.retries, f.startPeriod, f.startInterval].some((v) => v !== undefined);
  if (f.none && tuned) throw new UsageError('--no-healthcheck conflicts with --health-* options.');
  if (f.none) return undefined;
  const duration = (raw: string | undefined, flag: string) => {
    if (raw === undefined) return 0;
    const ms = parseGoDuration(raw, flag);
    if (ms < 0) throw new UsageError(`${flag} cannot be negative.`);
    if (ms > 0 && ms < 1) throw new UsageError(`${flag} cannot be less than 1ms.`);
    return ms;
  };
  const interval = duration(f.interval, '--health-interval');
  const timeout = duration(f.timeout, '--health-timeout');
  const startPeriod = duration(f.startPeriod, '--health-start-period');
  const startInterval = duration(f.startInterval, '--health-start-interval');
  let retries = 0;
  if (f.retries !== undefined) {
    if (!/^-?\d+$/.test(f.retries)) throw new UsageError(`Invalid argument "${f.retries}" for "--health-retries" flag: give a whole number.`);
    retries = Number(f.retries);
    if (retries < 0) throw new UsageError('--health-retries cannot be negative.');
  }
  const test = f.cmd !== undefined ? ['CMD-SHELL', f.cmd] : (image?.test ?? []);
  if (test.length === 0 || test[0] === 'NONE') return undefined;
  if (!['CMD', 'CMD-SHELL'].includes(test[0]) || test.length < 2) return undefined;
  const fromImage = (ns: number | undefined) => Math.max(0, Math.floor((ns ?? 0) / NS_PER_MS));
  return {
    test: [...test],
    intervalMs: interval || fromImage(image?.interval),
    timeoutMs: timeout || fromImage(image?.timeout),
    startPeriodMs: startPeriod || fromImage(image?.startPeriod),
    ...(startInterval || image?.startInterval ? { startIntervalMs: startInterval || fromImage(image?.startInterval) } : {}),
    retries: retries || Math.max(0, image?.retries ?? 0),
  };
}

/** The argv a check runs in the container: CMD-SHELL goes through /bin/sh -c, as Docker does. */
export function probeCommand(test: string[]): string[] {
  return test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : test.slice(1);
}

/**
 * The interval the monitor uses during the start period (Docker's monitor, API 1.44): the given start
 * interval, else 5 s; 0 when there is no start period (the interval alone counts).
 */
export function startIntervalOf(c: HealthConfig): number {
  if (!c.startPeriodMs) return 0;
  return c.startIntervalMs || HEALTH_DEFAULTS.startIntervalMs;
}

/** Docker's inspect Config.Healthcheck: nanoseconds, zero fields left out. */
export function healthcheckView(c: HealthConfig): Record<string, unknown> {
  const view: Record<string, unknown> = { Test: [...c.test] };
  if (c.intervalMs) view.Interval = Math.round(c.intervalMs * NS_PER_MS);
  if (c.timeoutMs) view.Timeout = Math.round(c.timeoutMs * NS_PER_MS);
  if (c.startPeriodMs) view.StartPeriod = Math.round(c.startPeriodMs * NS_PER_MS);
  if (c.startIntervalMs) view.StartInterval = Math.round(c.startIntervalMs * NS_PER_MS);
  if (c.retries) view.Retries = c.retries;
  return view;
}
