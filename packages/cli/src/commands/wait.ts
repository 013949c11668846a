import { ConflictError, EXIT_CODE_UNKNOWN, NotFoundError, sleep, type CommandContext, type CommandSpec, type ContainerRecord } from '@mydocker/core';
import { isReportable, writeError } from '../error-output';

const POLL_MS = 100;

/**
 * Blocks until the container has ended and returns its exit code. There is no daemon to ask, so the
 * record is re-read: the engine's read-only view already turns a PID 1 that is gone into `stopped` with
 * the monitor's exit file (or EXIT_CODE_UNKNOWN when no monitor saw the end, as for an unmonitored one).
 */
export async function waitForExit(ctx: CommandContext, ref: string): Promise<number> {
  const store = ctx.bus.need('stateStore');
  const runtime = ctx.bus.need('runtime');
  const first = await store.get(ref);
  let exitSeen: number | undefined;
  for (;;) {
    const record: ContainerRecord | undefined = await store.find(first.id);
    // A --rm container is removed by its own clean-up: the exit code read before that is the answer.
    if (!record) {
      if (exitSeen !== undefined) return exitSeen;
      throw new NotFoundError(`No such container: ${ref}`);
    }
    if (record.damaged) {
      throw new ConflictError(
        `Cannot wait for container ${record.name}: its record is damaged (${record.damage ?? 'unreadable'}); remove it with \`mydocker rm -f ${record.id.slice(0, 12)}\`.`,
      );
    }
    const view = ctx.engine.view(record);
    if (view.status === 'stopped') {
      if (record.status !== 'running') return view.exitCode ?? EXIT_CODE_UNKNOWN;
      // PID 1 has ended and the record still says running: the monitor's exit file is the answer, read
      // again here (the view may have been made just before the monitor wrote it), and only after its
      // liveness, so that a monitor which wrote the file and went in between is not taken for a lost one.
      const monitorAlive = runtime.monitorAlive?.(record) ?? false;
      const exit = runtime.exitStatus(record);
      if (exit) return exit.code;
      if (monitorAlive) {
        await sleep(POLL_MS / 10); // its exit file is coming
        continue;
      }
      // No monitor and no exit file: its clean-up may have settled (or removed) the record meanwhile.
      const settled = await store.find(first.id);
      if (settled?.status === 'stopped') return settled.exitCode ?? EXIT_CODE_UNKNOWN;
      if (!settled && exitSeen !== undefined) return exitSeen;
      return EXIT_CODE_UNKNOWN;
    }
    if (record.status === 'running') exitSeen = runtime.exitStatus(record)?.code ?? exitSeen;
    if (record.status === 'running' && runtime.isRunning(record)) await runtime.waitExit(record, 1000);
    else await sleep(POLL_MS);
  }
}

/** `wait CONTAINER...`: each exit code on its own line, in the order given; a missing name is exit 1. */
export const waitCommand: CommandSpec = {
  command: 'wait <containers..>',
  describe: 'Block until containers stop, then print their exit codes',
  async run(args, ctx) {
    let code = 0;
    for (const name of args.containers as string[]) {
      try {
        ctx.stdout.write(`${await waitForExit(ctx, name)}\n`);
      } catch (err) {
        if (err instanceof NotFoundError) {
          writeError(ctx.stderr, err);
          code = 1;
        } else if (isReportable(err)) code = writeError(ctx.stderr, err, process.env, [ctx.config.root, ctx.config.runRoot]);
        else throw err;
      }
    }
    return code;
  },
};
