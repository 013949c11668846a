import {
  CommandRegistry,
  createEngineFromInstalled,
  isMydockerError,
  loadConfig,
  MissingPluginError,
  trace,
  UsageError,
  type CommandContext,
  type RegisteredCommand,
} from '@mydocker/core';
import { resolve } from 'node:path';
import { infoCommand } from './commands/info';
import { cleanupCommand, inspectCommand, killCommand, rmCommand, stopCommand } from './commands/lifecycle';
import { psCommand } from './commands/ps';
import { runCommand } from './commands/run';
import { systemCommand } from './commands/system';
import { globalFlagsArgv, splitGlobalFlags } from './global-flags';
import { COMMAND_PACKAGES } from './hints';
import { splitRunArgs } from './run-flags';

const VERSION: string = require('../package.json').version;

function usage(registry: CommandRegistry): string {
  const visible = registry.list().filter((c) => !c.hidden);
  const width = Math.max(...visible.map((c) => c.command.split(' ')[0].length));
  return [
    'Usage: mydocker [ENGINE FLAGS] COMMAND [ARGS]',
    '',
    'A daemonless, Docker-compatible container engine.',
    '',
    'Commands:',
    ...visible.map((c) => `  ${c.command.split(' ')[0].padEnd(width)}  ${c.describe}`),
    '',
    'Engine flags: --root DIR, --run-root DIR, --cgroup-parent NAME, --config FILE, --storage-driver NAME, --plugin PKG',
    "Run 'mydocker COMMAND --help' for a command's flags.",
    '',
  ].join('\n');
}

/** Parses one command's arguments with yargs; every parse error is a UsageError (exit 125). */
function parseArgs(cmd: RegisteredCommand, name: string, rest: string[]): Record<string, any> | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yargs = require('yargs/yargs') as (args: string[]) => any;
  const argv = cmd.rawArgs && cmd.command.startsWith('run') ? runArgv(rest) : rest;
  const y = yargs(argv)
    .scriptName(`mydocker ${name}`)
    .usage(`mydocker ${cmd.command}\n\n${cmd.describe}`)
    .parserConfiguration({ 'greedy-arrays': false, 'parse-positional-numbers': false, 'halt-at-non-option': Boolean(cmd.rawArgs), 'unknown-options-as-args': false })
    .help('help')
    .version(false)
    .strict()
    .exitProcess(false)
    .fail((msg: string | null, err: Error | undefined) => {
      throw new UsageError(`${(msg ?? err?.message ?? 'invalid arguments').replace(/\.$/, '')}. See 'mydocker ${name} --help'.`);
    });
  let helpShown = false;
  y.command({
    command: cmd.rawArgs ? '$0' : `$0 ${cmd.command.split(' ').slice(1).join(' ')}`.trim(),
    describe: cmd.describe,
    builder: (inner: any) => {
      const built = cmd.builder ? cmd.builder(inner) : inner;
      // Names and id prefixes such as 895049 or 1e5 must stay strings, never become numbers.
      for (const [, name] of cmd.command.matchAll(/[<[]([\w-]+)(?:\.\.)?[>\]]/g)) built.positional(name, { type: 'string' });
      return built;
    },
    handler: () => undefined,
  });
  const args = y.parse(argv, {}, (_err: unknown, parsed: Record<string, any>, output: string) => {
    if (output) {
      helpShown = true;
      process.stdout.write(`${output}\n`);
    }
    return parsed;
  });
  if (helpShown) return undefined;
  if (cmd.rawArgs) args.rest = (args._ as unknown[]).map(String);
  return args;
}

/** `run` options end at the image; the seed's single-dash flags are rewritten first. */
function runArgv(rest: string[]): string[] {
  const { flags, rest: positional } = splitRunArgs(rest);
  return positional.length > 0 && positional[0].startsWith('-') ? [...flags, '--', ...positional] : [...flags, ...positional];
}

export async function main(argv: string[]): Promise<number> {
  const { stdout, stderr } = process;
  try {
    const { flags, command, rest } = splitGlobalFlags(argv);
    if (flags.version && !command) {
      stdout.write(`mydocker ${VERSION}\n`);
      return 0;
    }
    const config = loadConfig({
      flags: { root: flags.root, runRoot: flags.runRoot, cgroupParent: flags.cgroupParent, storageDriver: flags.storageDriver, config: flags.config, plugins: flags.plugins },
    });
    const self = resolve(process.argv[1] ?? 'mydocker');
    config.selfCommand = [
      process.execPath,
      self,
      ...globalFlagsArgv({ ...config, plugins: flags.plugins }),
      ...flags.plugins.flatMap((p) => ['--plugin', p]),
    ];
    // Plugins are searched from the CLI's real location (bin symlinks resolved). Not `module.paths`:
    // in the esbuild bundle `module` is a shim without paths; `require` is the bundle file's own.
    const { bus, engine } = createEngineFromInstalled(config, { searchPaths: require.resolve.paths('@mydocker/core') ?? [] });
    const registry = new CommandRegistry();
    for (const c of [runCommand, psCommand, stopCommand, killCommand, rmCommand, inspectCommand, infoCommand, cleanupCommand, systemCommand]) registry.add('@mydocker/cli', c);
    bus.hooks.commands.call(registry);
    if (!command || flags.help || command === 'help') {
      stdout.write(usage(registry));
      return command || flags.help ? 0 : 125;
    }
    if (command === 'version') {
      stdout.write(`mydocker ${VERSION}\n`);
      return 0;
    }
    const cmd = registry.get(command);
    if (!cmd) {
      if (COMMAND_PACKAGES[command]) throw new MissingPluginError(`The "${command}" command`, COMMAND_PACKAGES[command]);
      throw new UsageError(`Unknown command "${command}": run 'mydocker --help' for the list.`);
    }
    const args = parseArgs(cmd, command, rest);
    trace('arguments parsed');
    if (!args) return 0;
    const ctx: CommandContext = { bus, config, engine, stdout, stderr };
    const code = await cmd.run(args, ctx);
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    if (isMydockerError(err)) {
      stderr.write(`Error: ${err.message}\n`);
      return err.exitCode;
    }
    // A full disk is the operator's to fix, not a bug: one sentence, wherever it struck.
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      const where = (err as NodeJS.ErrnoException).path;
      stderr.write(`Error: No space left on ${where ? `the device holding ${where}` : 'the device'}: free space and retry.\n`);
      return 125;
    }
    stderr.write(`Error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 125;
  }
}
