import type { ContainerRecord } from '@mydocker/core';
import { formatTable, shortId } from '@mydocker/core';

/** The seed's CREATED format: local time, "2019-04-14 21:06:06". */
export function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function psTable(records: ContainerRecord[]): string {
  return formatTable([
    ['ID', 'NAME', 'PID', 'STATUS', 'COMMAND', 'CREATED'],
    ...records.map((r) => [
      shortId(r.id),
      r.name,
      r.status === 'running' && r.pid ? String(r.pid) : '',
      r.status === 'stopped' && r.exitCode !== undefined ? `stopped (${r.exitCode})` : r.status,
      r.command.join(' '),
      localTime(r.createdAt),
    ]),
  ]);
}
