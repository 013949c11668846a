import { healthcheckView, parseGoDuration, probeCommand, resolveHealthcheck, startIntervalOf } from '../health/config';
import { applyResult, currentHealth, type HealthResult } from '../health/state';

describe('parseGoDuration', () => {
  it("reads Go's durations in ms", () => {
    expect(parseGoDuration('30s', 'f')).toBe(30_000);
    expect(parseGoDuration('1m30s', 'f')).toBe(90_000);
    expect(parseGoDuration('250ms', 'f')).toBe(250);
    expect(parseGoDuration('1.5h', 'f')).toBe(5_400_000);
    expect(parseGoDuration('0', 'f')).toBe(0);
    expect(parseGoDuration('-2s', 'f')).toBe(-2000);
  });
  it('refuses a number without unit, and words', () => {
    expect(() => parseGoDuration('30', '--health-interval')).toThrow('Invalid argument "30" for "--health-interval" flag: time: invalid duration "30".');
    expect(() => parseGoDuration('soon', 'f')).toThrow(/invalid duration/);
  });
});

describe('resolveHealthcheck', () => {
  const image = { test: ['CMD', 'curl', '-f', 'http://localhost/'], interval: 5e9, timeout: 2e9, retries: 4 };
  it("takes the image's HEALTHCHECK, the flags overriding field by field", () => {
    expect(resolveHealthcheck(undefined, image)).toEqual({ test: image.test, intervalMs: 5000, timeoutMs: 2000, startPeriodMs: 0, retries: 4 });
    expect(resolveHealthcheck({ cmd: 'true', interval: '1s' }, image)).toEqual({
      test: ['CMD-SHELL', 'true'],
      intervalMs: 1000,
      timeoutMs: 2000,
      startPeriodMs: 0,
      retries: 4,
    });
    expect(resolveHealthcheck({ retries: '1' }, undefined)).toBeUndefined();
  });
  it('--no-healthcheck and NONE disable it; with --health-* it conflicts', () => {
    expect(resolveHealthcheck({ none: true }, image)).toBeUndefined();
    expect(resolveHealthcheck(undefined, { test: ['NONE'] })).toBeUndefined();
    expect(() => resolveHealthcheck({ none: true, cmd: 'true' }, image)).toThrow('--no-healthcheck conflicts with --health-* options.');
  });
  it('--health-start-interval: kept, shown as StartInterval, 5 s by default only with a start period', () => {
    const c = resolveHealthcheck({ cmd: 'true', startPeriod: '1m', startInterval: '500ms' }, undefined)!;
    expect(c.startIntervalMs).toBe(500);
    expect(startIntervalOf(c)).toBe(500);
    expect(healthcheckView(c)).toMatchObject({ StartPeriod: 60e9, StartInterval: 500e6 });
    expect(startIntervalOf(resolveHealthcheck({ cmd: 'true', startPeriod: '1m' }, undefined)!)).toBe(5000);
    expect(startIntervalOf(resolveHealthcheck({ cmd: 'true', startInterval: '1s' }, undefined)!)).toBe(0);
    expect(resolveHealthcheck(undefined, { test: ['CMD', 'true'], startPeriod: 10e9, startInterval: 2e9 })?.startIntervalMs).toBe(2000);
    expect(() => resolveHealthcheck({ cmd: 'true', startInterval: 'soon' }, undefined)).toThrow('Invalid argument "soon" for "--health-start-interval" flag');
    expect(() => resolveHealthcheck({ cmd: 'true', startInterval: '-1s' }, undefined)).toThrow('--health-start-interval cannot be negative.');
    expect(() => resolveHealthcheck({ none: true, startInterval: '1s' }, undefined)).toThrow('--no-healthcheck conflicts');
  });
  it('refuses negative values', () => {
    expect(() => resolveHealthcheck({ cmd: 'true', interval: '-1s' }, undefined)).toThrow('--health-interval cannot be negative.');
    expect(() => resolveHealthcheck({ cmd: 'true', retries: '-1' }, undefined)).toThrow('--health-retries cannot be negative.');
  });
  it("shows Docker's Config.Healthcheck and runs CMD-SHELL through /bin/sh -c", () => {
    expect(healthcheckView({ test: ['CMD-SHELL', 'x'], intervalMs: 1000, timeoutMs: 0, startPeriodMs: 0, retries: 2 })).toEqual({
      Test: ['CMD-SHELL', 'x'],
      Interval: 1e9,
      Retries: 2,
    });
    expect(probeCommand(['CMD-SHELL', 'test -e /x'])).toEqual(['/bin/sh', '-c', 'test -e /x']);
    expect(probeCommand(['CMD', 'ls', '/'])).toEqual(['ls', '/']);
  });
});

describe('health state (Docker handleProbeResult)', () => {
  const config = { test: ['CMD', 'x'], intervalMs: 1000, timeoutMs: 1000, startPeriodMs: 10_000, retries: 2 };
  const startedAt = '2026-01-01T00:00:00.000Z';
  const result = (secondsAfterStart: number, ExitCode: number): HealthResult => {
    const t = new Date(Date.parse(startedAt) + secondsAfterStart * 1000).toISOString();
    return { Start: t, End: t, ExitCode, Output: 'out' };
  };

  it('a new run starts over as "starting", keeping the log', () => {
    const old = { startedAt: 'earlier', status: 'unhealthy' as const, failingStreak: 3, log: [result(0, 1)] };
    expect(currentHealth(old, startedAt)).toEqual({ startedAt, status: 'starting', failingStreak: 0, log: old.log });
    expect(currentHealth(undefined, startedAt).status).toBe('starting');
  });

  it('failures in the start period do not count; then retries failures make it unhealthy; a success heals it', () => {
    let s = currentHealth(undefined, startedAt);
    s = applyResult(s, result(1, 1), config);
    expect(s).toMatchObject({ status: 'starting', failingStreak: 0 });
    s = applyResult(s, result(11, 1), config);
    expect(s).toMatchObject({ status: 'starting', failingStreak: 1 });
    s = applyResult(s, result(12, 1), config);
    expect(s).toMatchObject({ status: 'unhealthy', failingStreak: 2 });
    s = applyResult(s, result(13, 0), config);
    expect(s).toMatchObject({ status: 'healthy', failingStreak: 0 });
    // A failure while healthy (not starting) counts even inside the start period.
    const early = applyResult({ ...currentHealth(undefined, startedAt), status: 'healthy' }, result(1, 1), config);
    expect(early.failingStreak).toBe(1);
  });

  it('keeps the last five results, each output cut at 4 KiB', () => {
    let s = currentHealth(undefined, startedAt);
    for (let i = 0; i < 8; i++) s = applyResult(s, { ...result(20 + i, 0), Output: 'x'.repeat(5000) }, config);
    expect(s.log).toHaveLength(5);
    expect(s.log[0].Start).toBe(result(23, 0).Start);
    expect(s.log.every((r) => r.Output.length === 4096)).toBe(true);
  });
});

describe('launch config for the monitor', () => {
  it('passes the restart command and the health check command with its interval', () => {
    const { runConfig } = require('../launch-config') as typeof import('../launch-config');
    const base = {
      rootfs: '/r',
      command: ['sh'],
      env: [],
      hostname: 'h',
      workdir: '/',
      tty: false,
      interactive: false,
      detach: true,
      readOnly: false,
      mounts: [],
      shared: [],
      security: { capabilities: [], noNewPrivileges: false, seccomp: 'default' as const, maskedPaths: [], readonlyPaths: [], privileged: false },
      exitFile: '/e',
      exitCommand: ['mydocker', 'container-cleanup', 'id'],
    };
    const entries = runConfig({
      ...base,
      restartCommand: ['mydocker', 'container-restart', 'id'],
      healthCommand: ['mydocker', 'healthcheck', 'run', 'id'],
      healthIntervalMs: 1500,
    });
    const get = (k: string) => entries.filter(([key]) => key === k).map(([, v]) => v);
    expect(get('restart_command')).toEqual(['mydocker', 'container-restart', 'id']);
    expect(get('health_command')).toEqual(['mydocker', 'healthcheck', 'run', 'id']);
    expect(get('health_interval')).toEqual(['1500']);
    expect(runConfig(base).some(([k]) => k.startsWith('restart') || k.startsWith('health') || k === 'die_with_monitor')).toBe(false);
    expect(get('die_with_monitor')).toEqual([]);
  });
  it('passes the start interval with the start period, and die_with_monitor for a policy at launch', () => {
    const { runConfig } = require('../launch-config') as typeof import('../launch-config');
    const entries = runConfig({
      rootfs: '/r',
      command: ['sh'],
      env: [],
      hostname: 'h',
      workdir: '/',
      tty: false,
      interactive: false,
      detach: true,
      readOnly: false,
      mounts: [],
      shared: [],
      security: { capabilities: [], noNewPrivileges: false, seccomp: 'default' as const, maskedPaths: [], readonlyPaths: [], privileged: false },
      exitFile: '/e',
      exitCommand: ['mydocker', 'container-cleanup', 'id'],
      dieWithMonitor: true,
      healthCommand: ['mydocker', 'healthcheck', 'run', 'id'],
      healthIntervalMs: 30_000,
      healthStartIntervalMs: 500,
      healthStartPeriodMs: 60_000,
    });
    const get = (k: string) => entries.filter(([key]) => key === k).map(([, v]) => v);
    expect(get('die_with_monitor')).toEqual(['1']);
    expect(get('health_start_interval')).toEqual(['500']);
    expect(get('health_start_period')).toEqual(['60000']);
  });
});
