import { isProcessAlive, MydockerError, NotFoundError, UsageError, type CommandContext, type CommandSpec, type ContainerRecord } from '@mydocker/core';

export interface LogsExt {
  driver: 'k8s-file' | 'json-file' | 'none';
  /** "" for the none driver. */
  path: string;
  /** The path came from --log-opt path=. */
  customPath?: boolean;
  maxSize: number;
  maxFiles: number;
}

export interface LogsArgs {
  container: string;
  follow?: boolean;
  timestamps?: boolean;
  tail?: string | number;
  since?: string;
  until?: string;
}

export function parseTail(value: string | number | undefined): number | undefined {
  if (value === undefined || value === 'all') return undefined;
  const text = String(value).trim();
  if (!/^-?\d+$/.test(text)) throw new UsageError(`Invalid --tail value "${value}": use a number of lines or "all".`);
  const n = Number(text);
  return n < 0 ? undefined : n;
}

/** `logs [-f] [-t] [--tail N|all] [--since T] [--until T] CONTAINER`. */
export const logsCommand: CommandSpec = {
  command: 'logs <container>',
  describe: 'Fetch the logs of a container',
  builder: (yargs) =>
    yargs
      .positional('container', { type: 'string', describe: 'Container name or id' })
      .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Follow log output until the container stops' })
      .option('timestamps', { alias: 't', type: 'boolean', default: false, describe: 'Show timestamps' })
      .option('tail', { alias: 'n', type: 'string', default: 'all', describe: 'Number of lines to show from the end of the logs' })
      .option('since', { type: 'string', describe: 'Show logs since a timestamp (2026-11-28T01:57:43Z) or relative (42m)' })
      .option('until', { type: 'string', describe: 'Show logs before a timestamp (2026-11-28T01:57:43Z) or relative (42m)' }),
  run: (args, ctx) => runLogs(args as LogsArgs, ctx),
};

export async function runLogs(args: LogsArgs, ctx: CommandContext): Promise<number> {
  const { parseTimeSpec } = await import('./time-spec');
  const tail = parseTail(args.tail);
  const since = args.since !== undefined && args.since !== '' ? parseTimeSpec(args.since, 'since') : undefined;
  const until = args.until !== undefined && args.until !== '' ? parseTimeSpec(args.until, 'until') : undefined;
  const record = await ctx.engine.inspect(String(args.container));
  const ext = record.ext.logs as LogsExt | undefined;
  // Docker's words and exit code (1) for a container whose driver keeps nothing to read.
  if (ext?.driver === 'none') throw new MydockerError('configured logging driver does not support reading', 1);
  if (!ext?.path) {
    throw new UsageError(`Container ${record.name} has no log: it was created without the @mydocker/logs plugin.`);
  }
  const { LogOutput, OutputClosed } = await import('./output');
  const output = new LogOutput(ctx.stdout, ctx.stderr, Boolean(args.timestamps));
  const options = { since, until, tail, afterChunk: output.drained };
  try {
    if (args.follow) {
      const { followLog } = await import('./follow');
      await followLog(ext.path, { ...options, isAlive: () => isAlive(ctx, record.id), settle: () => settle(ctx, record.id) }, output.write);
    } else {
      const { readLog } = await import('./reader');
      await readLog(ext.path, options, output.write);
    }
    await output.drained();
  } catch (err) {
    if (!(err instanceof OutputClosed)) throw err;
  } finally {
    output.dispose();
  }
  return 0;
}

async function current(ctx: CommandContext, id: string): Promise<ContainerRecord | undefined> {
  try {
    return await ctx.engine.inspect(id);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** Running as the engine sees it (the runtime checks PID 1); a created container counts while its monitor lives. */
async function isAlive(ctx: CommandContext, id: string): Promise<boolean> {
  const record = await current(ctx, id);
  if (!record) return false;
  if (record.status === 'running') return ctx.bus.has('runtime') ? ctx.bus.need('runtime').isRunning(record) : true;
  if (record.status === 'created') return isProcessAlive(record.monitorPid, record.monitorStartTime);
  return false;
}

/** The monitor writes the last output after PID 1 ends: give it the moment it needs. */
async function settle(ctx: CommandContext, id: string): Promise<void> {
  const record = await current(ctx, id);
  if (record && ctx.bus.has('runtime') && record.monitorPid) await ctx.bus.need('runtime').waitMonitor(record, 5_000);
}
