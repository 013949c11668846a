import { ConflictError, MydockerError, UsageError, type CommandSpec } from '@mydocker/core';
import { readdirSync, readFileSync } from 'node:fs';

function cgroupOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The container's processes: every host process in the same cgroups as its PID 1 (exec'd processes
 * join them too). Read from /proc, so the CLI needs no plugin's own data and works on v1 and v2 alike.
 */
export function cgroupMembers(pid1: number): Set<number> {
  const own = cgroupOf(pid1);
  const members = new Set<number>();
  if (own === undefined) return members;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (cgroupOf(Number(entry)) === own) members.add(Number(entry));
  }
  return members;
}

/**
 * Docker's way: the host's `ps` with the user's options, its header kept, and only the rows whose PID
 * column names a member. The last column keeps its spaces (CMD has them).
 */
export function filterPs(output: string, members: Set<number>): { titles: string[]; rows: string[][] } {
  const [header = '', ...lines] = output.split('\n');
  const titles = header.trim().split(/\s+/);
  const pidCol = titles.indexOf('PID');
  if (pidCol < 0) throw new MydockerError("Couldn't find PID field in ps output.");
  const rows: string[][] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    const row = [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
    if (members.has(Number(row[pidCol]))) rows.push(row);
  }
  return { titles, rows };
}

/** Go's tabwriter as Docker's client sets it up (minwidth 20, padding 3): the last cell unpadded. */
export function tabwrite(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => `${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(Math.max(20, widths[i] + 3)))).join('')}\n`).join('');
}

/** `top CONTAINER [ps OPTIONS]`: the default options are Docker's `-ef`. */
export const topCommand: CommandSpec = {
  command: 'top <container> [psOptions..]',
  describe: 'Display the running processes of a container (ps options, default -ef)',
  builder: (y) => y.parserConfiguration({ 'unknown-options-as-args': true }).strict(false),
  async run(args, ctx) {
    const record = await ctx.engine.inspect(String(args.container));
    const runtime = ctx.bus.need('runtime');
    if (record.damaged || record.status !== 'running' || !record.pid || !runtime.isRunning(record)) {
      throw new ConflictError(`Container ${record.name} is not running.`);
    }
    const options = ((args.psOptions as unknown[] | undefined) ?? []).map(String);
    // child_process on use: the CLI bundle loads this module for every command (core's host-command.ts says why).
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const ps = spawnSync('ps', options.length > 0 ? options : ['-ef'], { encoding: 'utf8' });
    if (ps.error) throw new MydockerError(`Cannot run ps: ${ps.error.message}.`);
    if (ps.status !== 0) throw new UsageError(`ps ${options.join(' ')} failed: ${(ps.stderr || '').trim().split('\n')[0] || `exit ${ps.status}`}.`);
    const { titles, rows } = filterPs(ps.stdout, cgroupMembers(record.pid));
    ctx.stdout.write(tabwrite([titles, ...rows]));
    return 0;
  },
};
