import type { CommandSpec, RegisteredCommand } from '@mydocker/core';
import { completionCommand } from '../commands/completion';
import { eventsCommand } from '../commands/events';
import { infoCommand } from '../commands/info';
import { inspectCommand, recordCommand } from '../commands/inspect';
import { cleanupCommand, killCommand, policyRestartCommand, rmCommand, stopCommand } from '../commands/lifecycle';
import { portCommand } from '../commands/port';
import { psCommand } from '../commands/ps';
import { renameCommand } from '../commands/rename';
import { restartCommand, startCommand } from '../commands/start';
import { systemCommand } from '../commands/system';
import { topCommand } from '../commands/top';
import { versionCommand } from '../commands/version';
import { waitCommand } from '../commands/wait';
import { parseWithYargs } from '../parse-args';
import { plainArgs } from '../plain-argv';

const noop = async () => undefined;
/** Shapes the plugins' commands have besides the CLI's: defaults on dashed names, a check, a sub-command. */
const pluginShaped: Record<string, CommandSpec> = {
  'logs-like': {
    command: 'logs-like <container>',
    describe: 'd',
    builder: (y) =>
      y
        .option('follow', { alias: 'f', type: 'boolean', describe: 'f' })
        .option('tail', { type: 'string', default: 'all', describe: 't' })
        .option('since-time', { alias: ['s', 'since-t'], type: 'string', default: '0', describe: 's' }),
    run: noop,
  },
  checked: { command: 'checked [names..]', describe: 'd', builder: (y) => y.option('a', { type: 'boolean' }).check(() => true), run: noop },
  chosen: { command: 'chosen [names..]', describe: 'd', builder: (y) => y.option('mode', { choices: ['x', 'y'], default: 'x' }), run: noop },
  'network-like': {
    command: 'network-like <action> [names..]',
    describe: 'd',
    builder: (y) => y.positional('action', { type: 'string', describe: 'a' }).option('driver', { alias: 'd', type: 'string', default: 'bridge' }),
    run: noop,
  },
  'no-builder': { command: 'no-builder', describe: 'd', run: noop },
};

const specs: Record<string, CommandSpec> = {
  start: startCommand,
  restart: restartCommand,
  ps: psCommand,
  stop: stopCommand,
  kill: killCommand,
  rm: rmCommand,
  inspect: inspectCommand,
  info: infoCommand,
  'container-cleanup': cleanupCommand,
  'container-restart': policyRestartCommand,
  'container-record': recordCommand,
  system: systemCommand,
  version: versionCommand,
  wait: waitCommand,
  rename: renameCommand,
  port: portCommand,
  top: topCommand,
  events: eventsCommand,
  completion: completionCommand(() => []),
  ...pluginShaped,
};

const WORD_LINES: string[][] = [
  [],
  ['web'],
  ['web', 'db'],
  ['web', 'db', 'cache'],
  ['895049'],
  ['1e5', '0x10'],
  ['true'],
  ['a=b'],
  [''],
  ['help'],
  ['web', 'aux'],
];

/** Flags in every form scripts type, and the forms left to yargs (checked against it all the same). */
const FLAG_LINES: string[][] = [
  ['-f', 'web'],
  ['web', '-f'],
  ['--force', 'web'],
  ['-fv', 'web'],
  ['-vf', 'web', 'db'],
  ['-a'],
  ['--all'],
  ['-ai'],
  ['-a', '-i', 'web'],
  ['--ignore', 'web'],
  ['-t', '0', 'web'],
  ['--time', '5', 'web'],
  ['--time=5', 'web'],
  ['web', '--time', '0', 'db'],
  ['-t', '5', '-f', 'web'],
  ['-t', 'abc', 'web'],
  ['-t', '1e5', 'web'],
  ['-t'],
  ['-t', '', 'web'],
  ['-t', '-1', 'web'],
  ['--time=', 'web'],
  ['--time=-1', 'web'],
  ['-t', '1', '-t', '2', 'web'],
  ['-tf', '5', 'web'],
  ['-t5', 'web'],
  ['-t=5', 'web'],
  ['-f', 'true'],
  ['web', '-f', 'false'],
  ['-f', '-f', 'web'],
  ['-ff', 'web'],
  ['--no-force', 'web'],
  ['--force=true', 'web'],
  ['-f', '--', 'web'],
  ['-', 'web'],
  ['-x', 'web'],
  ['-F', 'web'],
  ['-s', 'TERM', 'web'],
  ['--signal', 'HUP', 'web'],
  ['--signal=9', 'web', 'db'],
  ['--follow', 'web'],
  ['-f', 'web', '--tail', '5'],
  ['--tail=all', '-f', 'web'],
  ['--since-t', '3', 'web'],
  ['--sinceTime', '3', 'web'],
  ['-s', '3', 'web'],
  ['--driver', 'macvlan', 'create', 'n1'],
  ['-d', 'x', 'rm'],
  ['-t', 'help', 'web'],
  ['--format', '{{.ID}}'],
  ['-q'],
  ['-aq'],
  ['--quiet', '--all'],
  ['-n', '3'],
  ['--last', '3'],
];

/** yargs' reading, or its error. */
function viaYargs(cmd: RegisteredCommand, name: string, words: string[]): unknown {
  try {
    return parseWithYargs(cmd, name, words);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe('plainArgs: a command line of bare words, read without yargs', () => {
  const cases = Object.entries(specs).flatMap(([name, spec]) => [...WORD_LINES, ...FLAG_LINES].map((words) => [name, spec, words] as const));

  it.each(cases)('%s %j reads as yargs reads it, or is left to yargs', (name, spec, words) => {
    const cmd: RegisteredCommand = { ...spec, owner: '@mydocker/cli' };
    const plain = plainArgs(cmd, name, [...words]);
    if (plain === undefined) return;
    expect(plain).toEqual(viaYargs(cmd, name, [...words]));
  });

  it('reads the lines `stop`, `rm`, `kill`, `start` and the monitor clean-up are typed with', () => {
    const reg = (spec: CommandSpec): RegisteredCommand => ({ ...spec, owner: '@mydocker/cli' });
    expect(plainArgs(reg(stopCommand), 'stop', ['web', 'db'])).toEqual({ _: [], $0: 'mydocker stop', containers: ['web', 'db'] });
    expect(plainArgs(reg(rmCommand), 'rm', ['web'])).toEqual({ _: [], $0: 'mydocker rm', containers: ['web'] });
    expect(plainArgs(reg(killCommand), 'kill', ['web'])).toEqual({ _: [], $0: 'mydocker kill', containers: ['web'], signal: 'KILL', s: 'KILL' });
    expect(plainArgs(reg(cleanupCommand), 'container-cleanup', ['0123abc'])).toEqual({ _: [], $0: 'mydocker container-cleanup', container: '0123abc' });
    expect(plainArgs(reg(startCommand), 'start', ['web'])).toBeDefined();
  });

  it('reads the flags scripts type: rm -f, rm -fv, stop -t 0, kill -s, ps -a', () => {
    const reg = (spec: CommandSpec): RegisteredCommand => ({ ...spec, owner: '@mydocker/cli' });
    expect(plainArgs(reg(rmCommand), 'rm', ['-f', 'web'])).toEqual({ _: [], $0: 'mydocker rm', containers: ['web'], force: true, f: true });
    expect(plainArgs(reg(rmCommand), 'rm', ['-fv', 'web'])).toMatchObject({ containers: ['web'], force: true, volumes: true });
    expect(plainArgs(reg(stopCommand), 'stop', ['-t', '0', 'web', 'db'])).toEqual({ _: [], $0: 'mydocker stop', containers: ['web', 'db'], time: '0', t: '0' });
    expect(plainArgs(reg(stopCommand), 'stop', ['--time=3', 'web'])).toMatchObject({ time: '3', containers: ['web'] });
    expect(plainArgs(reg(killCommand), 'kill', ['-s', 'TERM', 'web'])).toMatchObject({ signal: 'TERM', s: 'TERM', containers: ['web'] });
    expect(plainArgs(reg(psCommand), 'ps', ['-a'])).toBeDefined();
  });

  it('leaves to yargs every other flag form, a missing or extra word, and builders that do more than declare options', () => {
    const reg = (spec: CommandSpec): RegisteredCommand => ({ ...spec, owner: '@mydocker/cli' });
    expect(plainArgs(reg(stopCommand), 'stop', ['-t', '-1', 'web'])).toBeUndefined();
    expect(plainArgs(reg(stopCommand), 'stop', ['-t5', 'web'])).toBeUndefined();
    expect(plainArgs(reg(rmCommand), 'rm', ['-f', 'true'])).toBeUndefined();
    expect(plainArgs(reg(rmCommand), 'rm', ['-f', '-f', 'web'])).toBeUndefined();
    expect(plainArgs(reg(rmCommand), 'rm', ['--no-force', 'web'])).toBeUndefined();
    expect(plainArgs(reg(stopCommand), 'stop', ['web', '--help'])).toBeUndefined();
    expect(plainArgs(reg(rmCommand), 'rm', ['--', 'web'])).toBeUndefined();
    expect(plainArgs(reg(startCommand), 'start', [])).toBeUndefined();
    expect(plainArgs(reg(cleanupCommand), 'container-cleanup', ['a', 'b'])).toBeUndefined();
    expect(plainArgs(reg(pluginShaped.checked), 'checked', ['a'])).toBeUndefined();
    expect(plainArgs(reg(pluginShaped.chosen), 'chosen', ['a'])).toBeUndefined();
  });

  it('sets a default under every name and camel-case spelling, as yargs does', () => {
    const cmd: RegisteredCommand = { ...pluginShaped['logs-like'], owner: 'logs' };
    const plain = plainArgs(cmd, 'logs-like', ['web']);
    expect(plain).toMatchObject({ tail: 'all', 'since-time': '0', sinceTime: '0', s: '0', 'since-t': '0', sinceT: '0' });
    expect(plain).toEqual(viaYargs(cmd, 'logs-like', ['web']));
  });
});
