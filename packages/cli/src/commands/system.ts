import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  isProcessAlive,
  UsageError,
  shortId,
  type CommandContext,
  type CommandSpec,
  type ContainerRecord,
  type DiskUsageReport,
  type PruneReport,
  type Runtime,
  type CommandArgs,
} from '@mydocker/core';
import { isReportable, writeError } from '../error-output';

export type PruneVerdict = 'keep' | 'remove' | 'in-progress';

/**
 * What `system prune` does with one container, Docker's way: every container that is not running goes.
 * A record still `created` whose creating mydocker process lives is being made by a concurrent `run`
 * and is left alone; once that process is gone, the record is a crash's leftover.
 */
export function pruneVerdict(record: ContainerRecord, alive: boolean, creatorAlive: boolean): PruneVerdict {
  if (alive) return 'keep';
  if (record.status === 'created' && creatorAlive) return 'in-progress';
  return 'remove';
}

/** A damaged record proves nothing: its container counts as alive while a PID 1 can be found from its id. */
function isAlive(runtime: Runtime, record: ContainerRecord): boolean {
  if (record.damaged) return runtime.adopt ? runtime.adopt({ ...record }) : true;
  return record.status !== 'stopped' && runtime.isRunning(record);
}

/**
 * The container ids that have a directory in the state store, read synchronously so that it can be done
 * again just before each plugin's prune tap: a container created meanwhile by a concurrent run is then
 * known to every plugin, and none takes its fresh layer, cgroup or address for a leftover.
 */
function storedIds(ctx: CommandContext): string[] {
  const containers = dirname(ctx.bus.need('stateStore').containerDir('0'));
  try {
    return readdirSync(containers).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch {
    return [];
  }
}

async function prune(ctx: CommandContext): Promise<number> {
  const store = ctx.bus.need('stateStore', 'The "system prune" command');
  const runtime = ctx.bus.need('runtime', 'The "system prune" command');
  const deleted: string[] = [];
  const kept: string[] = [];
  let code = 0;
  for (const record of await store.list()) {
    const verdict = pruneVerdict(record, isAlive(runtime, record), isProcessAlive(record.creatorPid, record.creatorStartTime));
    if (verdict === 'keep') {
      if (record.damaged) kept.push(`${shortId(record.id)} has a damaged record and its container still runs; \`rm -f ${shortId(record.id)}\` removes it`);
      continue;
    }
    if (verdict === 'in-progress') {
      kept.push(`${record.name} (${shortId(record.id)}) is being created; left alone`);
      continue;
    }
    try {
      await ctx.engine.remove(record.id, { force: true, volumes: false });
      deleted.push(record.id);
    } catch (err) {
      if (!isReportable(err)) throw err;
      code = writeError(ctx.stderr, err, process.env, [ctx.config.root, ctx.config.runRoot]);
    }
  }

  const report: PruneReport = { knownIds: new Set(storedIds(ctx)), removed: [] };
  ctx.bus.hooks.prune.intercept({
    tap: () => {
      for (const id of storedIds(ctx)) report.knownIds.add(id);
    },
  });
  await ctx.bus.hooks.prune.promise(report);

  const out: string[] = [];
  if (deleted.length > 0) out.push('Deleted Containers:', ...deleted, '');
  if (report.removed.length > 0) out.push('Removed leftovers:', ...report.removed, '');
  for (const k of kept) out.push(`Skipped: ${k}`);
  out.push(`Total: ${deleted.length} container(s), ${report.removed.length} leftover(s) removed`);
  ctx.stdout.write(`${out.join('\n')}\n`);
  return code;
}

/** `system df [-v] [--format F]`: each plugin counts what it stores through the bus's `diskUsage` hook. */
async function df(args: CommandArgs, ctx: CommandContext): Promise<number> {
  const report: DiskUsageReport = { containers: ctx.bus.has('stateStore') ? await ctx.engine.list() : [], entries: [] };
  await ctx.bus.hooks.diskUsage.promise(report);
  const { renderDf, renderDfVerbose } = await import('../system-df');
  ctx.stdout.write(args.verbose && !args.format ? renderDfVerbose(report.entries) : renderDf(report.entries, args.format as string | undefined));
  return 0;
}

/**
 * `system restart-policies`: what Docker's daemon does when it starts, for a daemonless engine (run at
 * boot by the mydocker-restart unit): every container whose restart policy brings it back and that has
 * no monitor to do it is started again. Prints the names it started.
 */
async function restartPolicies(ctx: CommandContext): Promise<number> {
  const { restarted, failed } = await ctx.engine.applyRestartPolicies({ boot: true });
  for (const r of restarted) ctx.stdout.write(`${r.name}\n`);
  let code = 0;
  for (const f of failed) {
    ctx.stderr.write(`Error: restarting container ${f.name}: ${f.error.message}\n`);
    code = 1;
  }
  return code;
}

export const systemCommand: CommandSpec = {
  command: 'system <action>',
  describe:
    'Manage mydocker: df (disk usage), prune (remove stopped containers and what crashes left behind), restart-policies (start what restart policies bring back, as after a reboot), service (the Docker Engine API, from @mydocker/engine-api)',
  builder: (y) =>
    y
      .positional('action', { type: 'string', describe: 'df | prune | restart-policies | service' })
      .option('force', { alias: 'f', type: 'boolean', describe: 'prune: do not prompt for confirmation (there is no prompt: accepted for Docker)' })
      .option('verbose', { alias: 'v', type: 'boolean', describe: 'df: show a table per type' })
      .option('format', { type: 'string', describe: 'df: Go template ({{.Type}}, {{.TotalCount}}, {{.Active}}, {{.Size}}, {{.Reclaimable}}), table or json' }),
  async run(args, ctx) {
    const action = String(args.action);
    if (action === 'prune') return prune(ctx);
    if (action === 'df') return df(args, ctx);
    if (action === 'restart-policies') return restartPolicies(ctx);
    throw new UsageError(`Unknown "system" action "${action}": use df, prune, restart-policies or service.`);
  },
};
