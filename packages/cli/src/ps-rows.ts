import { humanSize as coreHumanSize } from '@mydocker/core';
import type { ContainerRecord } from '@mydocker/core';
import { EXIT_CODE_UNKNOWN } from '@mydocker/core';
import type { DockerContainerInspect } from './inspect/container-inspect';

/** Docker's units.HumanDuration: "Less than a second", "3 seconds", "About a minute", "2 hours", ... */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** Docker's STATUS column: "Up 3 seconds", "Exited (0) 2 minutes ago", "Created", "Dead". */
export function dockerStatusText(r: ContainerRecord, now: number): string {
  if (r.damaged || r.status === 'unknown') return 'Dead';
  if (r.status === 'created') return 'Created';
  if (r.status === 'running') return `Up ${humanDuration(now - Date.parse(r.startedAt ?? r.createdAt))}`;
  const code = r.exitCode === undefined || r.exitCode === EXIT_CODE_UNKNOWN ? -1 : r.exitCode;
  const since = r.finishedAt ?? r.startedAt ?? r.createdAt;
  return `Exited (${code}) ${humanDuration(now - Date.parse(since))} ago`;
}

/** Docker's Ellipsis: at most `max` characters, the last one "…" when cut. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/** Go's time.Time String() in UTC, as Docker's .CreatedAt prints it. */
function goTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}

/** "127.0.0.1:8080->80/tcp, 0.0.0.0:5353->53/udp", from the inspect view's published ports. */
export function portsText(ports: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | undefined): string {
  const out: string[] = [];
  for (const [port, bindings] of Object.entries(ports ?? {})) {
    if (!bindings || bindings.length === 0) out.push(port);
    else for (const b of bindings) out.push(`${b.HostIp || '0.0.0.0'}:${b.HostPort}->${port}`);
  }
  return out.join(', ');
}

/** One `ps` row with the fields Docker's `--format` templates read (`{{.ID}}`, `{{.Names}}`, ...). */
export interface PsRow {
  ID: string;
  Image: string;
  Command: string;
  CreatedAt: string;
  RunningFor: string;
  Ports: string;
  State: string;
  Status: string;
  Size: string;
  Names: string;
  Labels: string;
  Mounts: string;
  Networks: string;
  LocalVolumes: string;
  /** `{{.Label "key"}}`; not an own enumerable field, so `{{json .}}` leaves it out as Docker does. */
  Label?: (key: string) => string;
}

export function psRow(r: ContainerRecord, view: DockerContainerInspect, now: number, noTrunc: boolean): PsRow {
  const command = r.command.join(' ');
  const labels = view.Config.Labels ?? {};
  const row: PsRow = {
    ID: noTrunc ? r.id : r.id.slice(0, 12),
    Image: r.image,
    Command: JSON.stringify(noTrunc ? command : ellipsis(command, 20)),
    CreatedAt: goTime(r.createdAt),
    RunningFor: `${humanDuration(now - Date.parse(r.createdAt))} ago`,
    Ports: portsText(view.NetworkSettings.Ports ?? undefined),
    State: view.State.Status,
    // Docker's State.String(): "Up 3 seconds (Paused)"; paused is what the cgroups plugin's inspect part says.
    Status: dockerStatusText(r, now) + (view.State.Paused ? ' (Paused)' : ''),
    Size: view.SizeRw === undefined ? '' : `${humanSize(view.SizeRw)} (virtual ${humanSize(view.SizeRootFs ?? 0)})`,
    Names: r.name,
    Labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Mounts: view.Mounts.map((m) => (m.Type === 'volume' ? m.Name : m.Source) ?? '').join(','),
    Networks: Object.keys(view.NetworkSettings.Networks ?? {}).join(','),
    LocalVolumes: String(view.Mounts.filter((m) => m.Type === 'volume').length),
  };
  // Docker marshals the row as a Go map, so `{{json .}}` prints the keys in alphabetical order.
  const sorted = Object.fromEntries(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1))) as unknown as PsRow;
  Object.defineProperty(sorted, 'Label', { enumerable: false, value: (key: string) => labels[key] ?? '' });
  return sorted;
}

/** Header of each field in a `table` format, as Docker names its columns. */
export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Names: 'NAMES',
  Labels: 'LABELS',
  Label: 'LABEL',
  Mounts: 'MOUNTS',
  Networks: 'NETWORKS',
  LocalVolumes: 'LOCAL VOLUMES',
};

export const PS_DEFAULT_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

/** go-units' HumanSizeWithPrecision(n, 3), as Docker's SIZE column: powers of 1000, three significant digits. */
export const humanSize = (bytes: number): string => coreHumanSize(bytes, 3);
