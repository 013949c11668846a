import type { ContainerRecord } from '@mydocker/core';
import { EXIT_CODE_UNKNOWN, formatTable, shortId } from '@mydocker/core';

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
      statusText(r),
      r.command.join(' '),
      localTime(r.createdAt),
    ]),
  ]);
}

/** `stopped (143)`, `stopped (exit code unknown)`, `running (unmonitored)`, `damaged`. */
export function statusText(r: ContainerRecord): string {
  if (r.damaged) return 'damaged';
  if (r.status === 'running' && r.unmonitored) return 'running (unmonitored)';
  if (r.status !== 'stopped' || r.exitCode === undefined) return r.status;
  return r.exitCode === EXIT_CODE_UNKNOWN ? 'stopped (exit code unknown)' : `stopped (${r.exitCode})`;
}
