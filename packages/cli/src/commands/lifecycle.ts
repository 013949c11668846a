import { UsageError, type CommandContext, type CommandSpec } from '@mydocker/core';
import { constants } from 'node:os';
import { isReportable, writeError } from '../error-output';

/** Runs `fn` for each container, reporting failures one line each, as Docker does for several names. */
async function each(names: string[], ctx: CommandContext, fn: (name: string) => Promise<void>): Promise<number> {
  let code = 0;
  for (const name of names) {
    try {
      await fn(name);
      ctx.stdout.write(`${name}\n`);
    } catch (err) {
      if (!isReportable(err)) throw err;
      code = writeError(ctx.stderr, err, process.env, [ctx.config.root, ctx.config.runRoot]);
    }
  }
  return code;
}

export const stopCommand: CommandSpec = {
  command: 'stop <containers..>',
  describe: 'Stop containers: SIGTERM, then SIGKILL after the timeout',
  builder: (y) => y.option('time', { alias: 't', type: 'number', default: 10, describe: 'Seconds to wait before SIGKILL' }),
  async run(args, ctx) {
    const t = Number(args.time);
    if (!Number.isFinite(t) || t < 0) throw new UsageError(`Invalid timeout "${args.time}": give a number of seconds >= 0.`);
    return each(args.containers, ctx, async (name) => void (await ctx.engine.stop(name, { timeoutSeconds: t })));
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
  command: 'kill <containers..>',
  describe: 'Send a signal to containers (default KILL)',
  builder: (y) => y.option('signal', { alias: 's', type: 'string', default: 'KILL', describe: 'Signal to send' }),
  async run(args, ctx) {
    const signal = parseSignal(String(args.signal));
    return each(args.containers, ctx, async (name) => void (await ctx.engine.kill(name, signal)));
  },
};

export const rmCommand: CommandSpec = {
  command: 'rm <containers..>',
  describe: 'Remove stopped containers (-f: kill running ones first)',
  builder: (y) =>
    y
      .option('force', { alias: 'f', type: 'boolean', describe: 'Kill and remove running containers' })
      .option('volumes', { alias: 'v', type: 'boolean', describe: 'Also remove anonymous volumes' }),
  async run(args, ctx) {
    return each(args.containers, ctx, async (name) => void (await ctx.engine.remove(name, { force: Boolean(args.force), volumes: Boolean(args.volumes) })));
  },
};

/** Run by the monitor when a detached container ends on its own: release what it held. */
export const cleanupCommand: CommandSpec = {
  command: 'container-cleanup <container>',
  describe: 'Internal: finish a container whose process has ended',
  hidden: true,
  async run(args, ctx) {
    await ctx.engine.finalize(String(args.container));
  },
};
