import { totalmem } from 'node:os';
import { shortId, sleep, type CommandContext, type ContainerRecord } from '@mydocker/core';
import { managerFromExt } from './factory';
import { formatTable } from '@mydocker/core';
import { formatBytes, formatPercent } from './format';
import type { CgroupsExt } from './limits';
import type { CgroupStats } from './manager';

export interface Sample {
  at: number;
  stats: CgroupStats;
}

export function sample(record: ContainerRecord): Sample {
  const ext = record.ext.cgroups as CgroupsExt | undefined;
  const stats = record.status === 'running' && ext ? managerFromExt(ext, record.id).stats() : {};
  return { at: Number(process.hrtime.bigint()), stats };
}

/**
 * One row as `docker stats` shows it. CPU % is CPU time over wall time between two samples (Docker's
 * cpuDelta / systemDelta * onlineCPUs comes to the same), so 100% is one full CPU.
 */
export function statsRow(record: ContainerRecord, before: Sample | undefined, after: Sample, hostMemory = totalmem()): string[] {
  const s = after.stats;
  let cpu = 0;
  if (before && before.stats.cpuUsageNs !== undefined && s.cpuUsageNs !== undefined && after.at > before.at) {
    cpu = ((s.cpuUsageNs - before.stats.cpuUsageNs) / (after.at - before.at)) * 100;
  }
  const running = record.status === 'running';
  const usage = s.memoryUsage ?? 0;
  const limit = running ? Math.min(s.memoryLimit ?? hostMemory, hostMemory) : 0;
  return [
    shortId(record.id),
    record.name,
    formatPercent(Math.max(0, cpu)),
    `${formatBytes(usage)} / ${formatBytes(limit)}`,
    formatPercent(limit > 0 ? (usage / limit) * 100 : 0),
    String(s.pids ?? 0),
  ];
}

const HEADER = ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'PIDS'];

async function records(ctx: CommandContext, names: string[]): Promise<ContainerRecord[]> {
  if (names.length === 0) return (await ctx.engine.list()).filter((r) => r.status === 'running');
  return Promise.all(names.map((n) => ctx.engine.inspect(n)));
}

/** `stats [--no-stream] [NAME...]`: --no-stream prints once; otherwise refreshes every second until Ctrl-C. */
export async function runStats(args: Record<string, any>, ctx: CommandContext): Promise<number> {
  const names: string[] = (args.containers ?? []).map(String);
  const once = args.stream === false || args['no-stream'] === true || args.noStream === true;
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  if (!once) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  const previous = new Map<string, Sample>();
  try {
    for (let first = true; !stopped; first = false) {
      const list = await records(ctx, names);
      if (first) {
        for (const r of list) previous.set(r.id, sample(r));
        // Two samples are needed for a CPU %: a short first interval keeps --no-stream quick.
        await sleep(once ? 500 : 1000);
      }
      const rows = [HEADER];
      for (const r of await records(ctx, names)) {
        const now = sample(r);
        rows.push(statsRow(r, previous.get(r.id), now));
        previous.set(r.id, now);
      }
      const isTty = (ctx.stdout as NodeJS.WriteStream).isTTY === true;
      ctx.stdout.write((!once && isTty ? '\x1b[2J\x1b[H' : '') + formatTable(rows));
      if (once) break;
      await sleep(1000);
    }
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
  return 0;
}
