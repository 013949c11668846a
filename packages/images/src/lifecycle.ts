import type { ContainerContext, ContainerInspectView, ContainerRecord, LifecycleBus, PruneReport } from '@mydocker/core';
import { join } from 'node:path';
import { removeOrphanScratch } from './scratch';
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
  if (ext.exposedPorts?.length) view.Config.ExposedPorts = Object.fromEntries(ext.exposedPorts.map((p) => [p, {}]));
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
