import type { ContainerContext, LifecycleBus, PruneReport, InfoReport, ResolvedImage } from '@mydocker/core';
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { exists } from './util/fs';
import { storageFor, type StorageExt, type VolumeMount } from './storage';
import { parseVolumeSpecs, type VolumeSpec } from './volumes/volume-spec';

export const PLUGIN = 'storage';

interface Prepared {
  image: ResolvedImage;
  volumes: VolumeSpec[];
}
const prepared = new WeakMap<ContainerContext, Prepared>();

/**
 * Resolves the image into ctx.image (the runtime turns it into the command, env, workdir and user that
 * run) and parses -v, so a bad image or volume is refused before anything is made.
 */
export async function validate(bus: LifecycleBus, ctx: ContainerContext): Promise<void> {
  const volumes = parseVolumeSpecs(ctx.spec.volumes);
  bus.storageDriver();
  const image = await storageFor(bus).images.resolve(ctx.spec.image);
  ctx.image = image.config;
  ctx.record.imageId = image.id;
  prepared.set(ctx, { image, volumes });
}

export async function create(bus: LifecycleBus, ctx: ContainerContext): Promise<void> {
  const storage = storageFor(bus);
  let p = prepared.get(ctx);
  if (!p) {
    p = { image: await storage.images.resolve(ctx.spec.image), volumes: parseVolumeSpecs(ctx.spec.volumes) };
  }
  const driver = bus.storageDriver();
  ctx.onRollback(PLUGIN, () => driver.remove(ctx.id));
  await driver.create(ctx.id, p.image.layers);
  ctx.rootfs = await driver.mount(ctx.id);
  const mounts: VolumeMount[] = [];
  for (const v of p.volumes) {
    if (v.kind === 'bind') {
      if (!(await exists(v.source))) {
        const top = await firstMissing(v.source);
        await mkdir(v.source, { recursive: true });
        ctx.onRollback(PLUGIN, () => rm(top, { recursive: true, force: true }));
      }
      mounts.push({ type: 'bind', anonymous: false, source: v.source, destination: v.destination, readOnly: v.readOnly });
    } else {
      const { info, created } = await storage.volumes.ensure(v.kind === 'named' ? v.name : undefined, v.kind === 'anonymous');
      if (created) ctx.onRollback(PLUGIN, () => storage.volumes.remove(info.name));
      mounts.push({ type: 'volume', name: info.name, anonymous: info.anonymous, source: info.mountpoint, destination: v.destination, readOnly: v.readOnly });
    }
  }
  for (const m of mounts) ctx.mounts.push({ type: 'bind', source: m.source, destination: m.destination, readOnly: m.readOnly });
  const layers = p.image.layers.map((l) => basename(dirname(l)));
  const ext: StorageExt = { driver: driver.name, imageId: p.image.id, layers, volumes: mounts };
  ctx.setExt(PLUGIN, ext);
}

/** The top-most directory of `path` that does not exist yet: what mkdir -p will create. */
async function firstMissing(path: string): Promise<string> {
  let top = path;
  while (!(await exists(dirname(top))) && dirname(top) !== top) top = dirname(top);
  return top;
}

export async function stopped(bus: LifecycleBus, ctx: ContainerContext): Promise<void> {
  const ext = ctx.ext<StorageExt>(PLUGIN);
  if (!ext) return;
  await storageFor(bus).driver(ext.driver).unmount(ctx.id);
}

export async function remove(bus: LifecycleBus, ctx: ContainerContext): Promise<void> {
  const ext = ctx.ext<StorageExt>(PLUGIN);
  const storage = storageFor(bus);
  await storage.driver(ext?.driver).remove(ctx.id);
  if (ctx.removeVolumes) {
    for (const v of ext?.volumes ?? []) if (v.type === 'volume' && v.anonymous && v.name) await storage.volumes.remove(v.name);
  }
}

export async function prune(bus: LifecycleBus, report: PruneReport): Promise<void> {
  const storage = storageFor(bus);
  const driver = bus.storageDriver();
  for (const id of await driver.list()) {
    if (report.knownIds.has(id)) continue;
    await driver.remove(id);
    report.removed.push(`container layer ${id.slice(0, 12)}`);
  }
  await storage.images.withLock(() => storage.images.layers.removeScratch());
}

export async function info(bus: LifecycleBus, report: InfoReport): Promise<void> {
  const storage = storageFor(bus);
  report.storage = {
    driver: bus.storageDriver().name,
    drivers: bus.storageDriverNames(),
    images: (await storage.images.ids()).length,
    volumes: (await storage.volumes.list()).length,
  };
}
