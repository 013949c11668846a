import { EXIT_CODE_UNKNOWN, MydockerError, NotFoundError, ProcessRunSignals, UsageError, type CommandSpec } from '@mydocker/core';
import { writeError } from '../error-output';
import { each, stopTimeoutArg } from './lifecycle';

/**
 * `start [-a] [-i] CONTAINER...`: a created or exited container runs again with its id, name, layer, log
 * and settings. A running one is left alone (its name is printed, as Docker does). With -a the output is
 * ours and the exit code is the container's, like a foreground `run`.
 */
export const startCommand: CommandSpec = {
  command: 'start <containers..>',
  describe: 'Start one or more created or stopped containers',
  builder: (y) =>
    y
      .option('attach', { alias: 'a', type: 'boolean', describe: "Attach the container's output and wait for its exit code" })
      .option('interactive', { alias: 'i', type: 'boolean', describe: "Attach the container's stdin" }),
  async run(args, ctx) {
    const names = args.containers as string[];
    const attach = Boolean(args.attach);
    if (!attach) {
      // Docker's daemon keeps a -i container's stdin open for whoever attaches later (OpenStdin).
      return each(names, ctx, async (name) => void (await ctx.engine.start(name, { signals: undefined, openStdin: true })));
    }
    if (names.length > 1) throw new MydockerError('You cannot start and attach multiple containers at once.', 1);
    // As `run` in the foreground: a signal before the start cancels it, after it goes to the container.
    const signals = new ProcessRunSignals();
    try {
      const result = await ctx.engine.start(names[0], { attach: true, interactive: Boolean(args.interactive), signals });
      if (result.alreadyRunning) {
        throw new UsageError(`Container ${result.record.name} is already running: attach to it with \`mydocker attach ${result.record.name}\`.`);
      }
      if (result.exit?.code === EXIT_CODE_UNKNOWN) {
        throw new MydockerError(`The monitor of container ${result.record.name} was killed, so how the container ended is unknown.`);
      }
      return result.exit?.code ?? 0;
    } catch (err) {
      if (err instanceof NotFoundError) {
        writeError(ctx.stderr, err);
        return 1;
      }
      throw err;
    } finally {
      signals.dispose();
    }
  },
};

/** `restart [-t N] CONTAINER...`: stop (with the container's stop signal and timeout unless -t), then start. */
export const restartCommand: CommandSpec = {
  command: 'restart <containers..>',
  describe: 'Restart one or more containers (stop, then start; a stopped one just starts)',
  builder: (y) =>
    y.option('time', { alias: 't', type: 'string', describe: "Seconds to wait before SIGKILL (default: the container's --stop-timeout, else 10)" }),
  async run(args, ctx) {
    const timeoutSeconds = stopTimeoutArg(args.time);
    return each(args.containers as string[], ctx, async (name) => void (await ctx.engine.restart(name, { timeoutSeconds })));
  },
};
