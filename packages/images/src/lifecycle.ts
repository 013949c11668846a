import { removeOrphanScratch } from '@mydocker/core';
import type { ContainerContext, ContainerInspectView, ContainerRecord, DiskUsageReport, LifecycleBus, ObjectInspectRequest, PruneReport } from '@mydocker/core';
import { join } from 'node:path';
import { storeFor } from './store/store-for';

export const PLUGIN = 'images';

/** What this package keeps in a container's record (`ext.images`). */
export interface ImagesExt {
  imageId: string;
  /** The image's diff ids, lowest first: a layer a container uses is never removed. */
  layers: string[];
  /** The storage driver that makes its root (for commit and export, through core's contract). */
  driver?: string;
  labels?: Record<string, string>;
  exposedPorts?: string[];
}

/**
 * Resolves the image the container runs: its config goes to ctx.image (the runtime turns it into the
 * command, env, workdir and user; the storage plugin makes its volumes), its STOPSIGNAL to the record,
 * and its id and layers into ext.images, so no rmi removes a layer the container needs.
 */
export async function validate(bus: LifecycleBus, ctx: ContainerContext): Promise<void> {
  const image = await storeFor(bus).resolve(ctx.spec.image);
  ctx.image = image.config;
  ctx.record.imageId = image.id;
  if (image.config.stopSignal) ctx.record.stopSignal = image.config.stopSignal;
  let driver: string | undefined;
  try {
    driver = bus.storageDriver().name;
  } catch {
    // No storage plugin: the storage taps say so.
  }
  const ext: ImagesExt = {
    imageId: image.id,
    layers: image.layers.map((l) => l.split('/').slice(-2, -1)[0]),
    ...(driver ? { driver } : {}),
    ...(image.config.labels && Object.keys(image.config.labels).length ? { labels: image.config.labels } : {}),
    ...(image.config.exposedPorts?.length ? { exposedPorts: image.config.exposedPorts } : {}),
  };
  ctx.setExt(PLUGIN, ext);
}

/** The image's labels, exposed ports and stop signal, where Docker's container inspect shows them. */
export function fillInspect(record: ContainerRecord, view: ContainerInspectView): void {
  const ext = record.ext?.[PLUGIN] as ImagesExt | undefined;
  if (!ext || typeof ext !== 'object') return;
  if (ext.labels) view.Config.Labels = { ...ext.labels, ...((view.Config.Labels as Record<string, string> | undefined) ?? {}) };
  // Merged: the network plugin adds the ports of --expose and -p, whichever tap runs first.
  if (ext.exposedPorts?.length)
    view.Config.ExposedPorts = {
      ...(view.Config.ExposedPorts as Record<string, object> | undefined),
      ...Object.fromEntries(ext.exposedPorts.map((p) => [p, {}])),
    };
  if (record.stopSignal) view.Config.StopSignal = record.stopSignal;
}

/** `system prune`: the scratch of killed imports, loads, pulls and commits (a running one keeps its own). */
export async function prune(bus: LifecycleBus, report: PruneReport): Promise<void> {
  const store = storeFor(bus);
  const layers = await store.layers.removeScratch();
  if (layers > 0) report.removed.push(`${layers} unfinished layer${layers === 1 ? '' : 's'}`);
  const archives = await removeOrphanScratch(join(bus.config.root, 'tmp'), '');
  if (archives.length > 0) report.removed.push(`${archives.length} unfinished load or save scratch director${archives.length === 1 ? 'y' : 'ies'}`);
}

/**
 * `ps -s` / inspect `--size`: the image's layers count in the container's `SizeRootFs` (the storage plugin
 * adds the container layer); only when the view asks for sizes, since finding the image is not free.
 */
export async function fillSize(bus: LifecycleBus, record: ContainerRecord, view: ContainerInspectView): Promise<void> {
  if (!('SizeRw' in view)) return;
  const id = (record.ext?.[PLUGIN] as ImagesExt | undefined)?.imageId ?? record.imageId;
  const image = id ? await storeFor(bus).find(id) : undefined;
  view.SizeRootFs = (typeof view.SizeRootFs === 'number' ? view.SizeRootFs : 0) + (image?.size ?? 0);
}

/** Plain `inspect NAME` / `--type image`: the same view as `image inspect`. */
export async function inspectObject(bus: LifecycleBus, req: ObjectInspectRequest): Promise<Record<string, unknown> | undefined> {
  if (req.type !== 'image') return undefined;
  const store = storeFor(bus);
  const image = await store.find(req.ref);
  if (!image) return undefined;
  const { inspectView } = require('./commands/inspect') as typeof import('./commands/inspect');
  return (await inspectView(store, image)) as unknown as Record<string, unknown>;
}

/** `system df`: images, active when a container uses them, with their unpacked layers' bytes. */
export async function diskUsage(bus: LifecycleBus, report: DiskUsageReport): Promise<void> {
  const images = await storeFor(bus).list();
  const users = (id: string) => report.containers.filter((r) => r.imageId === id).length;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const unused = images.filter((i) => users(i.id) === 0);
  report.entries.push({
    type: 'Images',
    total: images.length,
    active: images.length - unused.length,
    size: sum(images.map((i) => i.size)),
    reclaimable: sum(unused.map((i) => i.size)),
    items: images.map((i) => ({
      REPOSITORY: i.names[0]?.replace(/:[^:/]+$/, '') ?? '<none>',
      TAG: i.names[0]?.match(/:([^:/]+)$/)?.[1] ?? '<none>',
      'IMAGE ID': i.id.slice(0, 12),
      SIZE: i.size,
      CONTAINERS: users(i.id),
    })),
  });
}
