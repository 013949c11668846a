import {
  emptyRunSpec,
  EXIT_CODE_UNKNOWN,
  FlagRegistry,
  MydockerError,
  ProcessRunSignals,
  UsageError,
  type CommandSpec,
  type ContainerRecord,
  type FlagCommand,
  type LifecycleBus,
  type RunCancellation,
  type RunSpec,
  type CommandArgs,
  type ArgvBuilder,
} from '@mydocker/core';
import { rmSync } from 'node:fs';
import { resolveEnv } from '../env';
import { resolveLabels } from '../labels';
import { checkCidFile, writeCidFile } from '../cidfile';
import { CLI_OWNER, CLI_RUN_FLAGS } from '../run-flags';
import { parseSignal } from './lifecycle';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
const str = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));

/**
 * `run` flags and positionals → the RunSpec the engine and plugins work from. The CLI maps its own flags
 * to the model; every plugin's flags go, raw and checked by their declarations, to `spec.flags[plugin]`.
 */
export function toRunSpec(
  args: CommandArgs,
  rest: string[],
  defaultImage: string,
  callerEnv: NodeJS.ProcessEnv,
  verb: FlagCommand = 'run',
  flags: FlagRegistry = cliOnlyFlags(),
): RunSpec {
  if (rest.length === 0) throw new UsageError(`"${verb}" needs an image or a command: mydocker ${verb} [OPTIONS] IMAGE [COMMAND] [ARG...].`);
  // The seed's form `run /bin/top` names no image: an absolute path is a command in the default image.
  const [image, command] = rest[0].startsWith('/') ? [defaultImage, rest] : [rest[0], rest.slice(1)];
  if (image === '') throw new UsageError('The image name must not be empty.');
  for (const flag of CLI_RUN_FLAGS) {
    if (flag.nonEmpty && args[flag.name] !== undefined && String(args[flag.name]) === '')
      throw new UsageError(`The --${flag.name} flag needs a non-empty value.`);
  }
  const pluginFlags = flags.collect(args, verb, CLI_OWNER);
  return emptyRunSpec({
    image,
    command,
    name: str(args.name),
    detach: Boolean(args.detach),
    tty: Boolean(args.tty),
    interactive: Boolean(args.interactive),
    autoRemove: Boolean(args.rm),
    hostname: str(args.hostname),
    env: resolveEnv(list(args.env), list(args['env-file']), callerEnv),
    workdir: str(args.workdir),
    user: str(args.user),
    entrypoint: str(args.entrypoint),
    readOnly: Boolean(args['read-only']),
    ...labelsOf(args),
    attach: args.attach === undefined ? undefined : list(args.attach),
    sigProxy: args['sig-proxy'] === undefined ? undefined : Boolean(args['sig-proxy']),
    detachKeys: str(args['detach-keys']),
    stopSignal: args['stop-signal'] === undefined ? undefined : String(parseSignal(String(args['stop-signal']))),
    stopTimeout: stopTimeoutOf(args['stop-timeout']),
    cidFile: args.cidfile === undefined ? undefined : checkCidFile(String(args.cidfile)),
    // A core field: the engine, not a plugin, restarts containers (model.ts says why).
    ...(args.restart !== undefined ? { restart: String(args.restart) } : {}),
    ...(Object.keys(pluginFlags).length ? { flags: pluginFlags } : {}),
  });
}

/** A registry with only the CLI's own flags (unit tests of the mapping, which load no plugin). */
function cliOnlyFlags(): FlagRegistry {
  const registry = new FlagRegistry();
  registry.declare(CLI_OWNER, ...CLI_RUN_FLAGS);
  return registry;
}

/**
 * The `run`/`create` options for yargs: every declared flag of the command, grouped under the package
 * that provides it (the CLI's first), so `run --help` shows where each flag comes from.
 */
export function buildRunOptions(
  y: ReturnType<ArgvBuilder>,
  flags: FlagRegistry,
  verb: FlagCommand,
  packageOf: (owner: string) => string,
): ReturnType<ArgvBuilder> {
  const groups = new Map<string, string[]>();
  const declared = flags.list(verb);
  const ordered = [...declared.filter((f) => f.owner === CLI_OWNER), ...declared.filter((f) => f.owner !== CLI_OWNER)];
  for (const f of ordered) {
    y.option(f.name, { alias: f.alias, type: f.type, describe: f.describe });
    const group = f.owner === CLI_OWNER ? CLI_OWNER : packageOf(f.owner);
    groups.set(group, [...(groups.get(group) ?? []), f.name]);
  }
  for (const [group, names] of groups) y.group(names, `Flags from ${group}:`);
  return y;
}

/** --stop-timeout: whole seconds, -1 for no limit (Docker's). */
function stopTimeoutOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!/^-?\d+$/.test(text) || Number(text) < -1) throw new UsageError(`Invalid --stop-timeout "${text}": give whole seconds (-1: no limit).`);
  return Number(text);
}

/**
 * The engine's onCreated for --cidfile: writes the id once the container exists (a failure there rolls
 * the container back). `cleanup` removes the file again if what follows fails.
 */
export function cidFileWriter(spec: RunSpec): { onCreated?: (r: ContainerRecord) => void; cleanup(): void } {
  let written = false;
  const path = spec.cidFile;
  if (!path) return { cleanup: () => undefined };
  return {
    onCreated: (record) => {
      writeCidFile(path, record.id);
      written = true;
    },
    cleanup: () => {
      if (written) rmSync(path, { force: true });
    },
  };
}

/** --label/--label-file: set only when given, so a RunSpec stays as it was without them. */
function labelsOf(args: CommandArgs): Partial<RunSpec> {
  const labels = resolveLabels(list(args.label), list(args['label-file']));
  return labels.length ? { labels } : {};
}

/**
 * --sig-proxy=false once the container is recorded: the CLI dies of the next signal (or of one that came
 * meanwhile), as Docker's does. Our listeners go on before ProcessRunSignals' come off, so Node's signal
 * watchers never stop: Node dispatches a caught signal on a later turn of its loop, and one caught just
 * before the watchers stopped was dropped, which left the CLI running in 3 of 8 runs of the e2e test.
 */
function dieOfNextSignal(signals: ProcessRunSignals, late: NodeJS.Signals | undefined): void {
  const die = (signal: NodeJS.Signals) => {
    for (const s of ProcessRunSignals.CANCELLING) process.off(s, die);
    process.kill(process.pid, signal);
  };
  for (const s of ProcessRunSignals.CANCELLING) process.on(s, die);
  signals.dispose();
  if (late) die(late);
}

/** `run`, with the flags the installed plugins declared on the bus. */
export const runCommand = (bus: LifecycleBus, packageOf: (owner: string) => string): CommandSpec => ({
  command: 'run [OPTIONS] IMAGE [COMMAND] [ARG...]',
  describe: 'Run a command in a new container',
  rawArgs: true,
  builder: (y) => buildRunOptions(y, bus.flags, 'run', packageOf),
  async run(args, { engine, config, stdout }) {
    // Before anything exists: a signal from here on cancels the run (rolled back) or goes to the container.
    const signals = new ProcessRunSignals();
    try {
      const spec = toRunSpec(args, args.rest as string[], config.defaultImage, process.env, 'run', bus.flags);
      // --sig-proxy=false: once the container runs, a signal is the CLI's own (it dies of it, the
      // container runs on), as Docker's CLI; one that comes while the start is being recorded waits for it.
      let late: NodeJS.Signals | undefined;
      const cancellation: RunCancellation =
        spec.sigProxy === false && !spec.detach
          ? { throwIfCancelled: () => signals.throwIfCancelled(), started: () => signals.started((signal) => (late ??= signal)) }
          : signals;
      const cid = cidFileWriter(spec);
      const result = await engine
        .run(
          spec,
          (record) => {
            if (spec.detach) stdout.write(`${record.id}\n`);
            if (cancellation !== signals) dieOfNextSignal(signals, late);
          },
          { signals: cancellation, onCreated: cid.onCreated },
        )
        .catch((err) => {
          cid.cleanup();
          throw err;
        });
      if (result.exit?.code === EXIT_CODE_UNKNOWN) {
        throw new MydockerError(`The monitor of container ${result.record.name} was killed, so how the container ended is unknown.`);
      }
      return result.exit?.code ?? 0;
    } finally {
      signals.dispose();
    }
  },
});
