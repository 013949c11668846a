import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  UsageError,
  shortId,
  type CommandContext,
  type CommandSpec,
  type ContainerRecord,
  type PruneReport,
  type Runtime,
} from '@mydocker/core';

/**
 * A record left in `created` by a run that is still working must not be taken for a crash's leftover:
 * with no daemon, nothing says which process is creating it. One created before the host last booted, or
 * longer ago than any run takes to start, is stuck.
 */
export const CREATING_GRACE_MS = 60_000;

export type PruneVerdict = 'keep' | 'remove' | 'in-progress';

/** What `system prune` does with one container, Docker's way: every container that is not running goes. */
export function pruneVerdict(record: ContainerRecord, alive: boolean, now: number, bootTime: number, graceMs = CREATING_GRACE_MS): PruneVerdict {
  if (alive) return 'keep';
  if (record.status !== 'created') return 'remove';
  const created = Date.parse(record.createdAt);
  if (!Number.isFinite(created) || created < bootTime || now - created >= graceMs) return 'remove';
  return 'in-progress';
}

/** The host's boot time in ms since the epoch (/proc/stat btime). */
export function bootTimeMs(procStat = readFileSync('/proc/stat', 'utf8')): number {
  const m = /^btime\s+(\d+)$/m.exec(procStat);
  if (!m) throw new Error('/proc/stat has no btime line');
  return Number(m[1]) * 1000;
}

function isAlive(runtime: Runtime, record: ContainerRecord): boolean {
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
  const now = Date.now();
  const boot = bootTimeMs();
  const deleted: string[] = [];
  const kept: string[] = [];
  let code = 0;
  for (const record of await store.list()) {
    const verdict = pruneVerdict(record, isAlive(runtime, record), now, boot);
    if (verdict === 'keep') continue;
    if (verdict === 'in-progress') {
      kept.push(`${record.name} (${shortId(record.id)}) is being created; left alone`);
      continue;
    }
    try {
      await ctx.engine.remove(record.id, { force: true, volumes: false });
      deleted.push(record.id);
    } catch (err) {
      const e = err as Error & { exitCode?: number };
      if (typeof e.exitCode !== 'number') throw err;
      ctx.stderr.write(`Error: ${e.message}\n`);
      code = e.exitCode;
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

export const systemCommand: CommandSpec = {
  command: 'system <action>',
  describe: 'Manage mydocker: prune (remove stopped containers and what crashes left behind)',
  builder: (y) =>
    y
      .positional('action', { type: 'string', describe: 'prune' })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation (there is no prompt: accepted for Docker)' }),
  async run(args, ctx) {
    const action = String(args.action);
    if (action === 'prune') return prune(ctx);
    throw new UsageError(`Unknown "system" action "${action}": use prune.`);
  },
};
