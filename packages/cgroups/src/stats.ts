import { readFileSync, readlinkSync } from 'node:fs';
import { totalmem } from 'node:os';
import { compileTemplate, formatTable, shortId, sleep, type CommandContext, type ContainerRecord, type CommandArgs } from '@mydocker/core';
import { validExt } from './ext';
import { managerFromExt } from './factory';
import { formatBytes, formatPercent, humanSize } from './format';
import type { CgroupStats } from './manager';

export interface Sample {
  at: number;
  stats: CgroupStats;
  /** Bytes received and sent by the container's own interfaces (not loopback). */
  net?: { rx: number; tx: number };
}

/** RX/TX bytes of every interface but `lo` in /proc/PID/net/dev (the container's network namespace). */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim() === 'lo') continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    rx += fields[0] || 0;
    tx += fields[8] || 0;
  }
  return { rx, tx };
}

function readNet(record: ContainerRecord): Sample['net'] {
  if (record.status !== 'running' || !record.pid) return undefined;
  try {
    // In the host's network namespace (--net host) the interfaces are the host's: Docker shows none then.
    // Asked of the kernel, not of another plugin's flags.
    if (readlinkSync(`/proc/${record.pid}/ns/net`) === readlinkSync('/proc/self/ns/net')) return undefined;
    return parseNetDev(readFileSync(`/proc/${record.pid}/net/dev`, 'utf8'));
  } catch {
    return undefined;
  }
}

export function sample(record: ContainerRecord): Sample {
  const ext = record.ext.cgroups;
  const stats = record.status === 'running' && validExt(ext) ? managerFromExt(ext, record.id).stats() : {};
  return { at: Number(process.hrtime.bigint()), stats, net: readNet(record) };
}

/** One container as `docker stats --format` sees it; keys in the order Docker's `{{json .}}` prints them. */
export interface StatsEntry {
  BlockIO: string;
  CPUPerc: string;
  /** The name or id as the user typed it (the short id when all running containers are shown). */
  Container: string;
  ID: string;
  MemPerc: string;
  MemUsage: string;
  Name: string;
  NetIO: string;
  PIDs: string;
}

/**
 * One row as `docker stats` shows it. CPU % is CPU time over wall time between two samples (Docker's
 * cpuDelta / systemDelta * onlineCPUs comes to the same), so 100% is one full CPU.
 */
export function statsEntry(
  record: ContainerRecord,
  before: Sample | undefined,
  after: Sample,
  options: { container?: string; noTrunc?: boolean; hostMemory?: number } = {},
): StatsEntry {
  const s = after.stats;
  const hostMemory = options.hostMemory ?? totalmem();
  let cpu = 0;
  if (before && before.stats.cpuUsageNs !== undefined && s.cpuUsageNs !== undefined && after.at > before.at) {
    cpu = ((s.cpuUsageNs - before.stats.cpuUsageNs) / (after.at - before.at)) * 100;
  }
  const running = record.status === 'running';
  const usage = s.memoryUsage ?? 0;
  const limit = running ? Math.min(s.memoryLimit ?? hostMemory, hostMemory) : 0;
  const id = options.noTrunc ? record.id : shortId(record.id);
  return {
    BlockIO: `${humanSize(s.blockRead ?? 0)} / ${humanSize(s.blockWrite ?? 0)}`,
    CPUPerc: formatPercent(Math.max(0, cpu)),
    Container: options.container ?? id,
    ID: id,
    MemPerc: formatPercent(limit > 0 ? (usage / limit) * 100 : 0),
    MemUsage: `${formatBytes(usage)} / ${formatBytes(limit)}`,
    Name: record.name,
    NetIO: `${humanSize(after.net?.rx ?? 0)} / ${humanSize(after.net?.tx ?? 0)}`,
    PIDs: String(s.pids ?? 0),
  };
}

/** Docker's column names for each placeholder. */
export const STATS_HEADERS: Record<string, string> = {
  Container: 'CONTAINER',
  ID: 'CONTAINER ID',
  Name: 'NAME',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

export const STATS_DEFAULT_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

/**
 * `--format` as Docker reads it: `json` prints each entry as a JSON line, `table TEMPLATE` a header row
 * named after the placeholders and aligned columns, anything else the Go template once per entry.
 */
export function formatStats(format: string | undefined, entries: StatsEntry[]): string {
  const f = format === undefined || format === '' || format === 'table' ? STATS_DEFAULT_TABLE : format;
  if (f === 'json') return entries.map((e) => `${JSON.stringify(e)}\n`).join('');
  const table = /^table(\s|$)/.test(f);
  // Docker reads the two characters \t and \n typed in a shell's single quotes as a tab and a newline.
  const body = (table ? f.replace(/^table\s*/, '') : f).replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const template = compileTemplate(body);
  if (!table) return entries.map((e) => `${template.execute(e)}\n`).join('');
  const header = body.split('\t').map((cell) => cell.replace(/\{\{-?\s*\.(\w+)[^}]*\}\}/g, (_m, field: string) => STATS_HEADERS[field] ?? field.toUpperCase()));
  return formatTable([header, ...entries.map((e) => template.execute(e).split('\t'))]);
}

interface Target {
  record: ContainerRecord;
  /** What the user typed, for `{{.Container}}`. */
  input?: string;
}

async function targets(ctx: CommandContext, names: string[]): Promise<Target[]> {
  if (names.length === 0) return (await ctx.engine.list()).filter((r) => r.status === 'running').map((record) => ({ record }));
  return Promise.all(names.map(async (n) => ({ record: await ctx.engine.inspect(n), input: n })));
}

/**
 * `stats [--no-stream] [--no-trunc] [--format F] [NAME...]`: --no-stream prints once; otherwise refreshes
 * every second until Ctrl-C.
 */
export async function runStats(args: CommandArgs, ctx: CommandContext): Promise<number> {
  const names: string[] = (args.containers ?? []).map(String);
  const once = args.stream === false || args['no-stream'] === true || args.noStream === true;
  const noTrunc = args.trunc === false;
  const format = args.format === undefined ? undefined : String(args.format);
  // A template that does not compile is refused before anything is sampled.
  if (format !== undefined) formatStats(format, []);
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
      if (first) {
        for (const { record } of await targets(ctx, names)) previous.set(record.id, sample(record));
        // Two samples are needed for a CPU %: a short first interval keeps --no-stream quick.
        await sleep(once ? 500 : 1000);
      }
      const entries: StatsEntry[] = [];
      for (const { record, input } of await targets(ctx, names)) {
        const now = sample(record);
        entries.push(statsEntry(record, previous.get(record.id), now, { container: input, noTrunc }));
        previous.set(record.id, now);
      }
      const isTty = (ctx.stdout as NodeJS.WriteStream).isTTY === true;
      ctx.stdout.write((!once && isTty ? '\x1b[2J\x1b[H' : '') + formatStats(format, entries));
      if (once) break;
      await sleep(1000);
    }
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
  return 0;
}
