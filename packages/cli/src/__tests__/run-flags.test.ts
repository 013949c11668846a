import { splitRunArgs } from '../run-flags';
import { toRunSpec } from '../commands/run';
import { testFlags } from './flag-fixture';
import { FlagRegistry, MissingPluginError } from '@mydocker/core';
import { resolveEnv } from '../env';
import { splitGlobalFlags } from '../global-flags';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const flags = testFlags();

describe('splitRunArgs', () => {
  it("rewrites the seed's single-dash long flags and stops at the command", () => {
    expect(splitRunArgs(['-d', '-name', 'test', '/bin/top'], flags)).toEqual({ flags: ['-d', '--name', 'test'], rest: ['/bin/top'] });
    expect(splitRunArgs(['-ti', '-cpushare', '512', '-net', 'br0', 'busybox', 'sh'], flags)).toEqual({
      flags: ['-ti', '--cpu-shares', '512', '--network', 'br0'],
      rest: ['busybox', 'sh'],
    });
  });

  it("takes --no-X of a plugin's boolean X, and names X's package when that plugin is missing", () => {
    const withHealth = testFlags();
    withHealth.declare('namespaces', { name: 'healthcheck', type: 'boolean', describe: 'h' });
    expect(splitRunArgs(['--no-healthcheck', 'busybox', 'true'], withHealth)).toEqual({ flags: ['--no-healthcheck'], rest: ['busybox', 'true'] });
    expect(() => splitRunArgs(['--no-healthcheck', 'busybox'], flags)).toThrow(/@mydocker\/namespaces/);
  });

  it('leaves flags after the image to the command', () => {
    expect(splitRunArgs(['--rm', 'busybox', 'ls', '-name', '-d'], flags)).toEqual({ flags: ['--rm'], rest: ['busybox', 'ls', '-name', '-d'] });
  });

  it('knows which flags take a value, including grouped short flags', () => {
    expect(splitRunArgs(['-e', 'A=1', '-v', '/a:/b', '-dm', '10m', 'busybox'], flags)).toEqual({
      flags: ['-e', 'A=1', '-v', '/a:/b', '-dm', '10m'],
      rest: ['busybox'],
    });
    expect(splitRunArgs(['--name=x', '-it', 'busybox'], flags)).toEqual({ flags: ['--name=x', '-it'], rest: ['busybox'] });
    expect(splitRunArgs(['--', 'busybox', '-x'], flags)).toEqual({ flags: [], rest: ['busybox', '-x'] });
  });
});

describe('toRunSpec', () => {
  it("treats an absolute first argument as a command in the default image (the seed's form)", () => {
    const spec = toRunSpec({ detach: true, name: 'test' }, ['/bin/top'], 'busybox', {});
    expect(spec).toMatchObject({ image: 'busybox', command: ['/bin/top'], name: 'test', detach: true });
  });

  it("keeps a plugin's flags raw under the plugin's name, for it to check", () => {
    const spec = toRunSpec({ memory: '100m', 'cpu-shares': '512', 'cpuset-cpus': '0', volume: ['/a:/b'] }, ['busybox', 'true'], 'busybox', {}, 'run', flags);
    expect(spec.flags).toEqual({ limits: { memory: '100m', 'cpu-shares': '512', 'cpuset-cpus': '0' }, disk: { volume: ['/a:/b'] } });
    expect(spec.command).toEqual(['true']);
    expect(toRunSpec({}, ['busybox'], 'busybox', {}, 'run', flags).flags).toBeUndefined();
    expect(() => toRunSpec({ memory: '' }, ['busybox'], 'busybox', {}, 'run', flags)).toThrow(/^The --memory flag needs a non-empty value\.$/);
  });

  it('refuses a flag whose plugin is not installed, naming the package, in one sentence', () => {
    const cliOnly = (args: string[]) => () => splitRunArgs(args, new FlagRegistry());
    for (const [args, shown] of [
      [['-m', '1g', 'busybox'], '-m'],
      [['--memory=1g', 'busybox'], '--memory'],
      [['-net', 'br0', 'busybox'], '-net'],
      [['-dp', '80:80', 'busybox'], '-p'],
    ] as const) {
      let caught: unknown;
      try {
        cliOnly([...args])();
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(MissingPluginError);
      expect((caught as Error).message).toMatch(new RegExp(`^The ${shown} flag needs the @mydocker/\\S+ plugin`));
      expect((caught as MissingPluginError).exitCode).toBe(125);
    }
    // A flag no package brings is left to the parser, which refuses it as unknown.
    expect(splitRunArgs(['--bogus', 'busybox'], flags)).toEqual({ flags: ['--bogus'], rest: ['busybox'] });
  });

  it('refuses a run without image, and empty values', () => {
    expect(() => toRunSpec({}, [], 'busybox', {})).toThrow(/needs an image/);
    expect(() => toRunSpec({ name: '' }, ['busybox'], 'busybox', {})).toThrow(/--name flag needs a non-empty value/);
  });
});

describe('resolveEnv', () => {
  it('copies KEY from the caller only when asked, and never the rest of the caller env', () => {
    expect(resolveEnv(['A=1', 'HOME', 'MISSING'], [], { HOME: '/root', SECRET: 'x' })).toEqual(['A=1', 'HOME=/root']);
  });

  it('reads env files, skipping comments and blank lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mydocker-unit-'));
    const file = join(dir, 'env');
    try {
      writeFileSync(file, '# comment\n\nA=1\nB=two words\n');
      expect(resolveEnv(['C=3'], [file], {})).toEqual(['A=1', 'B=two words', 'C=3']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses malformed names', () => {
    expect(() => resolveEnv(['=x'], [], {})).toThrow(/Invalid environment variable/);
    expect(() => resolveEnv(['1A=x'], [], {})).toThrow(/Invalid environment variable/);
    expect(() => resolveEnv([], ['/nonexistent/env'], {})).toThrow(/^The env file "\/nonexistent\/env" does not exist\.$/);
  });
});

describe('splitGlobalFlags', () => {
  it('takes engine flags before the command only', () => {
    expect(splitGlobalFlags(['--root', '/tmp/r', 'run', '--root', 'x'])).toMatchObject({ flags: { root: '/tmp/r' }, command: 'run', rest: ['--root', 'x'] });
    expect(() => splitGlobalFlags(['--bogus', 'ps'])).toThrow(/Unknown flag --bogus/);
    expect(() => splitGlobalFlags(['--root'])).toThrow(/needs a value/);
  });
});

describe('--stop-signal, --stop-timeout, --cidfile (run and create)', () => {
  const spec = (args: Record<string, unknown>) => toRunSpec(args, ['busybox', 'true'], 'busybox', {});

  it('take a value, so the image after them is not read as one', () => {
    expect(splitRunArgs(['--stop-signal', 'USR1', '--stop-timeout', '3', '--cidfile', '/tmp/x', 'busybox'], flags)).toEqual({
      flags: ['--stop-signal', 'USR1', '--stop-timeout', '3', '--cidfile', '/tmp/x'],
      rest: ['busybox'],
    });
  });

  it('normalize the signal (Docker accepts USR1, SIGUSR1 and 10) and the seconds; refuse the rest', () => {
    expect(spec({ 'stop-signal': 'usr1' }).stopSignal).toBe('SIGUSR1');
    expect(spec({ 'stop-signal': 'SIGHUP' }).stopSignal).toBe('SIGHUP');
    expect(spec({ 'stop-signal': '10' }).stopSignal).toBe('10');
    expect(spec({}).stopSignal).toBeUndefined();
    expect(spec({ 'stop-timeout': '3' }).stopTimeout).toBe(3);
    expect(spec({ 'stop-timeout': '-1' }).stopTimeout).toBe(-1);
    for (const bad of ['soon', '1.5', '-2', '']) expect(() => spec({ 'stop-timeout': bad })).toThrow(/Invalid --stop-timeout/);
    expect(() => spec({ 'stop-signal': 'NOPE' })).toThrow(/Invalid signal "NOPE"/);
  });
});
