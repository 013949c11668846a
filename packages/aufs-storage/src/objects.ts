import type { ContainerRecord, DiskUsageReport, ObjectInspectRequest } from '@mydocker/core';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { volumeInspectView } from './volumes/volume-list';
import { storageFor, type StorageExt } from './storage';
import type { LifecycleBus } from '@mydocker/core';

/** Plain `inspect NAME` / `--type volume`: the same view as `volume inspect` (images answer from @mydocker/images). */
export async function inspectObject(bus: LifecycleBus, req: ObjectInspectRequest): Promise<Record<string, unknown> | undefined> {
  const storage = storageFor(bus);
  if (req.type === 'volume') {
    const v = await storage.volumes.find(req.ref);
    return v && volumeInspectView(v);
  }
  return undefined;
}

/** Bytes of the regular files under `dir`, never following a symlink; 0 if it is gone. */
export async function directorySize(dir: string): Promise<number> {
  let total = 0;
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const path = join(dir, name);
    const st = await lstat(path).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory()) total += await directorySize(path);
    else if (st.isFile()) total += st.size;
  }
  return total;
}

const ext = (r: ContainerRecord) => r.ext.storage as StorageExt | undefined;

/** `system df`: container layers (running ones active) and volumes (mounted by any); images count themselves. */
export async function diskUsage(bus: LifecycleBus, report: DiskUsageReport): Promise<void> {
  const storage = storageFor(bus);
  const { containers } = report;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

  const sizes = await Promise.all(
    containers.map(async (r) => {
      const e = ext(r);
      if (!e || r.damaged) return 0;
      try {
        return (await storage.driver(e.driver).usage(r.id)).bytes;
      } catch {
        return 0;
      }
    }),
  );
  report.entries.push({
    type: 'Containers',
    total: containers.length,
    active: containers.filter((r) => r.status === 'running').length,
    size: sum(sizes),
    reclaimable: sum(sizes.filter((_, i) => containers[i].status !== 'running')),
    items: containers.map((r, i) => ({
      'CONTAINER ID': r.id.slice(0, 12),
      IMAGE: r.image,
      COMMAND: r.command.join(' '),
      SIZE: sizes[i],
      STATUS: r.status,
      NAMES: r.name,
    })),
  });

  const mounted = new Map<string, number>();
  for (const r of containers) for (const v of ext(r)?.volumes ?? []) if (v.name) mounted.set(v.name, (mounted.get(v.name) ?? 0) + 1);
  const volumes = await storage.volumes.list();
  const volumeSizes = await Promise.all(volumes.map((v) => directorySize(v.mountpoint)));
  report.entries.push({
    type: 'Local Volumes',
    total: volumes.length,
    active: volumes.filter((v) => mounted.has(v.name)).length,
    size: sum(volumeSizes),
    reclaimable: sum(volumeSizes.filter((_, i) => !mounted.has(volumes[i].name))),
    items: volumes.map((v, i) => ({ 'VOLUME NAME': v.name, LINKS: mounted.get(v.name) ?? 0, SIZE: volumeSizes[i] })),
  });
}
