import {
  CommandRegistry,
  confineModuleLookup,
  createEngineFromInstalled,
  findInstall,
  loadConfig,
  MissingPluginError,
  trace,
  UsageError,
  type CommandContext,
  type EngineConfig,
  type LifecycleBus,
  type RegisteredCommand,
} from '@mydocker/core';
import { resolve } from 'node:path';
import { infoCommand } from './commands/info';
import { inspectCommand, recordCommand } from './commands/inspect';
import { cleanupCommand, killCommand, policyRestartCommand, rmCommand, stopCommand } from './commands/lifecycle';
import { psCommand } from './commands/ps';
import { runCommand } from './commands/run';
import { createCommand } from './commands/create';
import { restartCommand, startCommand } from './commands/start';
import { systemCommand } from './commands/system';
import { containerCommand, resolveContainerGroup } from './container-group';
import { versionCommand } from './commands/version';
import { eventsCommand } from './commands/events';
import { completionCommand } from './commands/completion';
import { portCommand } from './commands/port';
import { renameCommand } from './commands/rename';
import { topCommand } from './commands/top';
import { waitCommand } from './commands/wait';
import { writeError } from './error-output';
import { globalFlagsArgv, splitGlobalFlags } from './global-flags';
import { COMMAND_PACKAGES } from './hints';
import { CLI_OWNER, CLI_RUN_FLAGS } from './run-flags';
import { parseArgs } from './parse-args';

/** The bin's handler for errors that escape main prints them the same way. */
export { writeError };

// eslint-disable-next-line no-restricted-syntax -- package.json lies outside src/ (tsc's rootDir), so it cannot be imported
const VERSION: string = require('../package.json').version;

/**
 * Every command the installed plugins contribute, grouped by the package that brings it (the CLI's own
 * first), so a user sees what an install can do and where each command comes from.
 */
export function usage(registry: CommandRegistry, packages: Map<string, string> = new Map()): string {
  const visible = registry.list().filter((c) => !c.hidden);
  const width = Math.max(...visible.map((c) => c.command.split(' ')[0].length));
  const groups = new Map<string, string[]>();
  for (const c of visible) {
    const group = c.owner.startsWith('@') || c.owner.includes('/') ? c.owner : (packages.get(c.owner) ?? c.owner);
    groups.set(group, [...(groups.get(group) ?? []), `  ${c.command.split(' ')[0].padEnd(width)}  ${c.describe}`]);
  }
  return [
    'Usage: mydocker [ENGINE FLAGS] COMMAND [ARGS]',
    '',
    'A daemonless, Docker-compatible container engine.',
    '',
    ...[...groups].flatMap(([group, lines]) => [`Commands from ${group}:`, ...lines, '']),
    'Engine flags: --root DIR, --run-root DIR, --cgroup-parent NAME, --config FILE, --storage-driver NAME, --plugin PKG',
    "Run 'mydocker COMMAND --help' for a command's flags.",
    '',
  ].join('\n');
}

/** The engine config from the engine flags, and the command line a monitor runs this CLI again with. */
function engineConfig(flags: ReturnType<typeof splitGlobalFlags>['flags']): EngineConfig {
  const config = loadConfig({
    flags: {
      root: flags.root,
      runRoot: flags.runRoot,
      cgroupParent: flags.cgroupParent,
      storageDriver: flags.storageDriver,
      config: flags.config,
      plugins: flags.plugins,
    },
  });
  const self = resolve(process.argv[1] ?? 'mydocker');
  // `--` before the script: Node must not read the arguments that follow as its own (see bin/mydocker).
  config.selfCommand = [
    process.execPath,
    '--',
    self,
    ...globalFlagsArgv({ ...config, plugins: flags.plugins }),
    ...flags.plugins.flatMap((p) => ['--plugin', p]),
  ];
  return config;
}

/**
 * The container commands of the CLI that read no other command (unlike `container`, `system`, `completion`):
 * for these the plugins are not asked for their commands, whose taps load each plugin's command modules
 * (exec, attach, health, network, storage: ~15–25 ms of a `run --rm`). A plugin cannot take these names
 * (the registry refuses a second `run`, which every other command line still reports).
 */
const SELF_CONTAINED = new Set(['run', 'create', 'start', 'stop', 'kill', 'rm', 'ps']);

/** The CLI's own commands, then the plugins' (their `commands` hook) unless `cliOnly`. */
function commandRegistry(bus: LifecycleBus, packageOf: (owner: string) => string, cliOnly = false): CommandRegistry {
  const registry = new CommandRegistry();
  for (const c of [
    runCommand(bus, packageOf),
    createCommand(bus, packageOf),
    startCommand,
    restartCommand,
    psCommand,
    stopCommand,
    killCommand,
    rmCommand,
    inspectCommand,
    infoCommand,
    cleanupCommand,
    policyRestartCommand,
    recordCommand,
    systemCommand,
    versionCommand,
    waitCommand,
    renameCommand,
    portCommand,
    topCommand,
    eventsCommand,
    containerCommand,
  ])
    registry.add('@mydocker/cli', c);
  registry.add(
    '@mydocker/cli',
    completionCommand(() => registry.list()),
  );
  if (!cliOnly) bus.hooks.commands.call(registry);
  return registry;
}

/** The command a command line names (`container VERB` and `system service` are other names), or help text to print. */
function findCommand(registry: CommandRegistry, command: string, rest: string[]): { help: string } | { cmd: RegisteredCommand; name: string; args: string[] } {
  let name = command;
  let args = rest;
  // `container VERB` is Docker's other name for the top-level VERB.
  if (command === 'container') {
    const resolved = resolveContainerGroup(registry, rest);
    if ('help' in resolved) return { help: resolved.help };
    ({ command: name, rest: args } = resolved);
  }
  // `system service` is the Engine API plugin's command.
  if (name === 'system' && args[0] === 'service') {
    name = 'system-service';
    args = args.slice(1);
  }
  const cmd = registry.get(name);
  if (!cmd) {
    if (COMMAND_PACKAGES[name]) throw new MissingPluginError(`The "${name}" command`, COMMAND_PACKAGES[name]);
    const typed = command === 'container' ? `container ${rest[0]}` : command;
    throw new UsageError(`Unknown command "${typed}": run 'mydocker ${command === 'container' ? 'container ' : ''}--help' for the list.`);
  }
  return { cmd, name, args };
}

export async function main(argv: string[]): Promise<number> {
  const { stdout, stderr } = process;
  // The roots, once known, let a full disk be named even when the failed write names no file.
  const roots: string[] = [];
  try {
    const { flags, command, rest } = splitGlobalFlags(argv);
    if (flags.version && !command) {
      stdout.write(`mydocker ${VERSION}\n`);
      return 0;
    }
    const config = engineConfig(flags);
    roots.push(config.root, config.runRoot);
    // Plugins come from the install holding this CLI (dist/ is one level down, bundled or not), and
    // nothing loaded from here on may find a module above that install.
    const cliDir = resolve(__dirname, '..');
    const layout = findInstall(cliDir);
    confineModuleLookup(layout.bound);
    const { bus, engine } = createEngineFromInstalled(config, { cliDir, layout });
    bus.flags.declare(CLI_OWNER, ...CLI_RUN_FLAGS);
    const cliOnly = !flags.help && SELF_CONTAINED.has(command ?? '');
    const registry = commandRegistry(bus, (owner) => bus.plugins.find((p) => p.name === owner)?.packageName ?? owner, cliOnly);
    if (!command || flags.help || command === 'help') {
      stdout.write(usage(registry, new Map(bus.plugins.map((p) => [p.name, p.packageName ?? p.name]))));
      return command || flags.help ? 0 : 125;
    }
    const found = findCommand(registry, command, rest);
    if ('help' in found) {
      stdout.write(found.help);
      return 0;
    }
    const args = parseArgs(found.cmd, found.name, found.args, bus.flags);
    trace('arguments parsed');
    if (!args) return 0;
    const ctx: CommandContext = { bus, config, engine, stdout, stderr };
    const code = await found.cmd.run(args, ctx);
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    return writeError(stderr, err, process.env, roots);
  }
}
