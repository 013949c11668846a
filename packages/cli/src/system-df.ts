import { formatItems, formatTable, humanSize as coreHumanSize, type DiskUsageEntry } from '@mydocker/core';

/** Go's units.HumanSize: decimal units, four significant digits ("16.43MB", "212B", "0B"). */
export const humanSize = (bytes: number): string => coreHumanSize(bytes, 4);

/** Docker's RECLAIMABLE cell: the size and, when there is any size, its whole percentage. */
export function reclaimableText(e: Pick<DiskUsageEntry, 'size' | 'reclaimable'>): string {
  return e.size > 0 ? `${humanSize(e.reclaimable)} (${Math.floor((e.reclaimable * 100) / e.size)}%)` : humanSize(e.reclaimable);
}

const ORDER = ['Images', 'Containers', 'Local Volumes', 'Build Cache'];

/** Docker's four rows in Docker's order; a type no installed plugin counted shows zeros. */
export function dfRows(entries: DiskUsageEntry[]): DiskUsageEntry[] {
  const byType = new Map(entries.map((e) => [e.type, e]));
  const rows = ORDER.map((type) => byType.get(type) ?? { type, total: 0, active: 0, size: 0, reclaimable: 0 });
  return [...rows, ...entries.filter((e) => !ORDER.includes(e.type))];
}

/** The fields `system df --format` templates name: .Type, .TotalCount, .Active, .Size, .Reclaimable. */
export function dfTemplateRow(e: DiskUsageEntry): Record<string, string> {
  return { Type: e.type, TotalCount: String(e.total), Active: String(e.active), Size: humanSize(e.size), Reclaimable: reclaimableText(e) };
}

const DF_HEADERS = { TotalCount: 'TOTAL', Reclaimable: 'RECLAIMABLE' };

export function renderDf(entries: DiskUsageEntry[], format?: string): string {
  const rows = dfRows(entries).map(dfTemplateRow);
  return formatItems(format ?? 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}', rows, DF_HEADERS);
}

/** `system df -v`: one table per type, each object's row as the plugin gave it (sizes made human). */
export function renderDfVerbose(entries: DiskUsageEntry[]): string {
  const titles: Record<string, string> = {
    Images: 'Images space usage:',
    Containers: 'Containers space usage:',
    'Local Volumes': 'Local Volumes space usage:',
  };
  const out: string[] = [];
  for (const e of dfRows(entries)) {
    if (e.type === 'Build Cache') {
      out.push(`Build cache usage: ${humanSize(e.size)}\n`);
      continue;
    }
    out.push(`${titles[e.type] ?? `${e.type} space usage:`}\n\n`);
    const items = e.items ?? [];
    const columns = items.length ? Object.keys(items[0]) : [];
    if (columns.length) out.push(formatTable([columns, ...items.map((i) => columns.map((c) => (c === 'SIZE' ? humanSize(Number(i[c])) : String(i[c]))))]));
    out.push('\n');
  }
  return out.join('');
}
