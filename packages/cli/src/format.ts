import type { ContainerRecord } from '@mydocker/core';
import { shortId } from '@mydocker/core';

/** Columns padded to their widest cell, like Go's tabwriter in the seed and in Docker. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** The seed's CREATED format: local time, "2019-04-14 21:06:06". */
export function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function psTable(records: ContainerRecord[]): string {
  return table(
    ['ID', 'NAME', 'PID', 'STATUS', 'COMMAND', 'CREATED'],
    records.map((r) => [
      shortId(r.id),
      r.name,
      r.status === 'running' && r.pid ? String(r.pid) : '',
      r.status === 'stopped' && r.exitCode !== undefined ? `stopped (${r.exitCode})` : r.status,
      r.command.join(' '),
      localTime(r.createdAt),
    ]),
  );
}
