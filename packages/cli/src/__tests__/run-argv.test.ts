import type { FlagCommand, FlagRegistry, LifecycleBus, RegisteredCommand } from '@mydocker/core';
import { createCommand } from '../commands/create';
import { runCommand, toRunSpec } from '../commands/run';
import { parseWithYargs } from '../parse-args';
import { fastRunArgs } from '../run-argv';
import { splitRunArgs } from '../run-flags';
import { testFlags } from './flag-fixture';

/** The fixture's flags plus the other shapes the plugins declare: a boolean of a plugin, `--no-X`, a `run`-only flag. */
function flags(): FlagRegistry {
  const registry = testFlags();
  registry.declare(
    'ns',
    { name: 'privileged', type: 'boolean', describe: 'p' },
    { name: 'healthcheck', type: 'boolean', describe: 'h' },
    { name: 'publish', alias: ['p'], type: 'array', describe: 'p' },
    { name: 'stop-only', commands: ['run'], type: 'string', describe: 's' },
  );
  return registry;
}

const registry = flags();
const commands: Record<FlagCommand, RegisteredCommand> = {
  run: { ...runCommand({ flags: registry } as LifecycleBus, (o) => o), owner: '@mydocker/cli' },
  create: { ...createCommand({ flags: registry } as LifecycleBus, (o) => o), owner: '@mydocker/cli' },
};
const env = { HOME: '/root', FOO: 'from-caller' };

/** The RunSpec (or the error's sentence) one reading gives. */
function specOf(read: () => ReturnType<typeof fastRunArgs>, verb: FlagCommand): unknown {
  try {
    const args = read();
    if (!args) return 'no arguments (help)';
    const spec = toRunSpec(verb === 'create' ? { ...args, detach: false } : args, args.rest as string[], 'busybox', env, verb, registry);
    return { spec };
  } catch (err) {
    return { error: `${(err as Error).constructor.name}: ${(err as Error).message}` };
  }
}

/** What the fast reader gives (undefined: it left the line to yargs), and what yargs gives. */
function both(argv: string[], verb: FlagCommand): { fast: unknown; yargs: unknown } {
  const split = splitRunArgs(argv, registry);
  const fastArgs = fastRunArgs(split.flags, split.rest, registry, verb);
  const yargsArgv = split.rest[0]?.startsWith('-') ? [...split.flags, '--', ...split.rest] : [...split.flags, ...split.rest];
  const yargs = specOf(() => parseWithYargs(commands[verb], verb, yargsArgv), verb);
  return { fast: fastArgs && specOf(() => fastArgs, verb), yargs };
}

// Each line: the argv after `run`, and whether the fast reader must take it (true) or leave it to yargs.
const SHAPES: [string[], boolean][] = [
  [['busybox', '/bin/true'], true],
  [['--rm', 'busybox', '/bin/true'], true],
  [['-it', 'busybox', 'sh'], true],
  [['-ti', '--rm', '--name', 'x', 'busybox', 'echo', 'a', 'b'], true],
  [['-d', '--name=web', '-p', '80:80', '-p', '443:443', 'nginx'], true],
  [['-e', 'A=1', '-e', 'B', '--env=C=3', '--env-file', '/nonexistent-env'], true],
  [['-e', 'FOO', '-e', 'A=', 'busybox'], true],
  [['-e=X', 'busybox'], false],
  [['--rm=false', 'busybox'], true],
  [['--rm=true', '--sig-proxy=false', 'busybox'], true],
  [['--rm=yes', 'busybox'], false],
  [['--rm', 'true'], false],
  [['--rm', 'false', 'x'], false],
  [['--no-healthcheck', 'busybox'], false],
  [['--no-rm', 'busybox'], false],
  [['--name', 'a', '--name', 'b', 'busybox'], false],
  [['--rm', '--rm', 'busybox'], false],
  [['-p', '8080', 'busybox'], true],
  [['-p', '0x10', 'busybox'], false],
  [['-e', '1e5', 'busybox'], false],
  [['-e', '1.0', 'busybox'], false],
  [['-e', '007', 'busybox'], true],
  [['-m', '100', '--cpu-shares', '512', 'busybox'], true],
  [['-m', '0x10', '--stop-timeout', '-1', 'busybox'], false],
  [['--stop-timeout', '5', 'busybox'], true],
  [['--stop-timeout=-1', 'busybox'], true],
  [['--name', '', 'busybox'], true],
  [['--name=', 'busybox'], true],
  [['--hostname', '', 'busybox'], true],
  [['--entrypoint', '', 'busybox'], true],
  [['--name'], false],
  [['-e'], false],
  [['--name', '-x', 'busybox'], false],
  [['--', 'busybox', '-x'], true],
  [['--rm', '--', '-x'], true],
  [['busybox', 'echo', '--', 'x', '--rm'], true],
  [['busybox', 'ls', '-l', '--name', 'y'], true],
  [['-dm', '10m', 'busybox'], true],
  [['-md', '10m', 'busybox'], false],
  [['-itd', 'busybox'], true],
  [['-i=true', 'busybox'], false],
  [['-d5', 'busybox'], false],
  [['--help'], false],
  [['--help', 'busybox'], false],
  [['--bogus', 'busybox'], false],
  [['-Z', 'busybox'], false],
  [['-name', 'seedname', '-cpushare', '256', '-net', 'none', '/bin/top'], true],
  [['--net', 'none', '--network=host', 'busybox'], false],
  [['--net', 'none', 'busybox'], true],
  [['-v', '/a:/b', '-v', '/c:/d:ro', '--mount', 'type=tmpfs,dst=/t', '--tmpfs', '/run', 'busybox'], true],
  [['-l', 'a=b', '--label', 'c=d', 'busybox'], true],
  [['--restart', 'on-failure:3', '--stop-signal', 'SIGINT', 'busybox'], true],
  [['--stop-signal', 'BOGUS', 'busybox'], true],
  [['--stop-timeout', 'x', 'busybox'], true],
  [['--detach-keys', 'ctrl-x', '-a', 'stdout', '-a', 'stderr', 'busybox'], true],
  [['--privileged', '--read-only', '-u', '1000:1000', '-w', '/tmp', 'busybox', 'id'], true],
  [['--privileged=false', 'busybox'], true],
  [['--stop-only', 'x', 'busybox'], true],
  [[], true],
  [['--rm'], true],
  [['-'], true],
  [['', 'x'], true],
  [['/bin/top', '-d', '1'], true],
  [['--Name', 'x', 'busybox'], false],
  [['--name', 'x y', 'busybox', ''], true],
  [['-e', 'A=1', '-e', 'A=2', 'busybox'], true],
  [['--label', 'a', 'busybox'], true],
  [['--attach', 'STDIN', 'busybox'], true],
];

describe('run/create arguments without yargs', () => {
  // yargs prints `--help` itself.
  beforeAll(() => jest.spyOn(process.stdout, 'write').mockImplementation(() => true));
  afterAll(() => jest.restoreAllMocks());

  for (const verb of ['run', 'create'] as FlagCommand[]) {
    for (const [argv, certain] of SHAPES) {
      it(`${verb} ${JSON.stringify(argv)}: the same RunSpec or error as yargs${certain ? '' : ' (left to yargs)'}`, () => {
        const { fast, yargs } = both(argv, verb);
        if (verb === 'run' || !certain) expect(fast !== undefined).toBe(certain);
        if (fast !== undefined) expect(fast).toEqual(yargs);
      });
    }
  }

  it("leaves `create -d` to yargs, which refuses it (-d is run's alone)", () => {
    const { fast, yargs } = both(['-d', 'busybox'], 'create');
    expect(fast).toBeUndefined();
    expect(yargs).toEqual({ error: expect.stringMatching(/Unknown argument: d/) });
  });

  it('leaves a run-only flag in create to yargs', () => {
    expect(both(['--stop-only', 'x', 'busybox'], 'create').fast).toBeUndefined();
  });
});
