import { NotFoundError, UsageError, type ArgvBuilder, type CommandContext, type CommandSpec } from '@mydocker/core';
import { constants } from 'node:os';
import { isReportable, writeError } from '../error-output';

/** Podman's --all/--ignore, shared by stop, kill and rm. */
interface Selection {
  containers?: string[];
  all?: boolean;
  ignore?: boolean;
}

/**
 * The names to act on: the ones given, or with --all every container (`running` only: the running ones,
 * for stop and kill). Names and --all together are refused, as Podman does.
 */
async function selected(verb: string, args: Selection, ctx: CommandContext, runningOnly: boolean): Promise<string[]> {
  const names = args.containers ?? [];
  if (args.all && names.length > 0) throw new UsageError(`"${verb}" takes either container names or --all, not both.`);
  if (!args.all) {
    if (names.length === 0) throw new UsageError(`"${verb}" needs at least one container name (or --all). See 'mydocker ${verb} --help'.`);
    return names;
  }
  const records = await ctx.engine.list();
  // `stop --all` also stops a container waiting its restart back-off (Docker's `ps` lists it as running).
  return records.filter((r) => !runningOnly || r.status === 'running' || (verb === 'stop' && r.restarting)).map((r) => r.name);
}

/**
 * Runs `fn` for each container, reporting failures one line each, as Docker does for several names.
 * With --ignore a container that does not exist (or vanished meanwhile) is skipped silently (Podman);
 * without it, it is reported and the exit code is 1, as Docker's — except for `rm -f` (`missingIsNoFailure`),
 * where Docker's CLI reports it and still exits 0 (docker/cli cli/command/container/rm.go), so that
 * `set -e` scripts can remove a container that may not exist.
 */
export async function each(
  names: string[],
  ctx: CommandContext,
  fn: (name: string) => Promise<void>,
  ignore = false,
  missingIsNoFailure = false,
): Promise<number> {
  let code = 0;
  for (const name of names) {
    try {
      await fn(name);
      ctx.stdout.write(`${name}\n`);
    } catch (err) {
      if (ignore && err instanceof NotFoundError) continue;
      if (!isReportable(err)) throw err;
      const written = writeError(ctx.stderr, err, process.env, [ctx.config.root, ctx.config.runRoot]);
      // Docker's daemon answers a missing name with "No such container", and its CLI exits 1.
      if (!(err instanceof NotFoundError)) code = written;
      else if (!missingIsNoFailure) code = 1;
    }
  }
  return code;
}

const selectionFlags = (y: ReturnType<ArgvBuilder>, all: string) =>
  y
    .option('all', { alias: 'a', type: 'boolean', describe: all })
    .option('ignore', { alias: 'i', type: 'boolean', describe: 'Ignore containers that do not exist' });

/** -t/--time: whole seconds >= 0, or undefined (the container's --stop-timeout, else 10). */
export function stopTimeoutArg(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!/^\d+$/.test(text)) throw new UsageError(`Invalid timeout "${text}": give a number of seconds >= 0.`);
  return Number(text);
}

export const stopCommand: CommandSpec = {
  command: 'stop [containers..]',
  describe: 'Stop containers: the stop signal (SIGTERM), then SIGKILL after the timeout',
  builder: (y) =>
    selectionFlags(y, 'Stop every running container').option('time', {
      alias: 't',
      type: 'string',
      describe: "Seconds to wait before SIGKILL (default: the container's --stop-timeout, else 10)",
    }),
  async run(args, ctx) {
    const timeoutSeconds = stopTimeoutArg(args.time);
    const names = await selected('stop', args, ctx, true);
    return each(names, ctx, async (name) => void (await ctx.engine.stop(name, { timeoutSeconds })), Boolean(args.ignore));
  },
};

export function parseSignal(value: string): NodeJS.Signals | number {
  const upper = value.toUpperCase();
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as NodeJS.Signals;
    if (name in constants.signals) return name;
  }
  throw new UsageError(`Invalid signal "${value}": use a name such as TERM or KILL, or a number.`);
}

export const killCommand: CommandSpec = {
  command: 'kill [containers..]',
  describe: 'Send a signal to containers (default KILL)',
  builder: (y) =>
    selectionFlags(y, 'Signal every running container').option('signal', { alias: 's', type: 'string', default: 'KILL', describe: 'Signal to send' }),
  async run(args, ctx) {
    const signal = parseSignal(String(args.signal));
    const names = await selected('kill', args, ctx, true);
    return each(names, ctx, async (name) => void (await ctx.engine.kill(name, signal)), Boolean(args.ignore));
  },
};

export const rmCommand: CommandSpec = {
  command: 'rm [containers..]',
  describe: 'Remove stopped containers (-f: kill running ones first)',
  builder: (y) =>
    selectionFlags(y, 'Remove every container (running ones only with -f)')
      .option('force', { alias: 'f', type: 'boolean', describe: 'Kill and remove running containers' })
      .option('volumes', { alias: 'v', type: 'boolean', describe: 'Also remove anonymous volumes' })
      .option('time', { alias: 't', type: 'string', describe: 'With -f: send the stop signal and wait this many seconds before SIGKILL' }),
  async run(args, ctx) {
    const timeoutSeconds = stopTimeoutArg(args.time);
    const names = await selected('rm', args, ctx, false);
    const options = { force: Boolean(args.force), volumes: Boolean(args.volumes), timeoutSeconds };
    return each(names, ctx, async (name) => void (await ctx.engine.remove(name, options)), Boolean(args.ignore), options.force);
  },
};

/** Run by the monitor when a detached container ends on its own: release what it held. */
export const cleanupCommand: CommandSpec = {
  command: 'container-cleanup <container>',
  describe: 'Internal: finish a container whose process has ended',
  hidden: true,
  async run(args, ctx) {
    const record = await ctx.engine.finalize(String(args.container));
    // The monitor reads this line: it waits the back-off, then runs `container-restart ID`.
    if (record?.restarting) ctx.stdout.write(`restart ${record.restartDelayMs ?? 0}\n`);
  },
};

/** Run by the monitor once a restart policy's back-off is over: the container runs again, detached. */
export const policyRestartCommand: CommandSpec = {
  command: 'container-restart <container>',
  describe: 'Internal: restart a container as its restart policy asks',
  hidden: true,
  async run(args, ctx) {
    await ctx.engine.restartByPolicy(String(args.container));
  },
};
