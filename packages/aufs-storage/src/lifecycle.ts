import type { ContainerContext, LifecycleBus, PruneReport, InfoReport, ResolvedImage, StorageDriver } from '@mydocker/core';
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { removeOrphanScratch } from './util/scratch';
import { isNoSpace, noSpace } from './util/no-space';
import { exists } from './util/fs';
import { storageFor, type StorageExt, type VolumeMount } from './storage';
import { forbiddenDestination, parseVolumeSpecs, type VolumeSpec } from './volumes/volume-spec';
import { resolveInRoot, type Probe } from './cp/resolve';
import { UsageError } from '@mydocker/core';
import { lstatSync, readlinkSync } from 'node:fs';

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
  try {
    await createLayer(bus, ctx);
  } catch (err) {
    // The engine rolls back what was made; the user gets one sentence instead of a stack.
    if (isNoSpace(err)) throw noSpace(bus.config.root);
    throw err;
  }
}

async function createLayer(bus: LifecycleBus, ctx: ContainerContext): Promise<void> {
  const storage = storageFor(bus);
  let p = prepared.get(ctx);
  if (!p) {
    p = { image: await storage.images.resolve(ctx.spec.image), volumes: parseVolumeSpecs(ctx.spec.volumes) };
  }
  const driver = bus.storageDriver();
  ctx.onRollback(PLUGIN, () => driver.remove(ctx.id));
  await driver.create(ctx.id, p.image.layers);
  // Volume destinations are checked through the image's symlinks before any volume is made; `run` keeps
  // the mount for its `prepare` (mounting twice is the same mount), `create` lets it go until `start`.
  const rootfs = await driver.mount(ctx.id);
  for (const v of p.volumes) checkResolvedDestination(rootfs, v.destination);
  if (ctx.record.awaitingStart) await driver.unmount(ctx.id);
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

/**
 * prepare: mount the container's root for this run (`stopped` unmounts it). Destinations are checked
 * again, since an earlier run of the container may have put a symlink in its own layer where a volume goes.
 */
export async function prepare(bus: LifecycleBus, ctx: ContainerContext): Promise<void> {
  const ext = ctx.record.ext?.[PLUGIN] as StorageExt | undefined;
  const driver = ext?.driver ? storageFor(bus).driver(ext.driver) : bus.storageDriver();
  const wasMounted = await driver.isMounted(ctx.id);
  if (!wasMounted) ctx.onRollback(PLUGIN, () => driver.unmount(ctx.id));
  ctx.rootfs = await driver.mount(ctx.id);
  for (const v of ext?.volumes ?? []) checkResolvedDestination(ctx.rootfs, v.destination);
}

/**
 * The image's own symlinks could turn an innocent destination (`/data -> /proc/sys`) into one validate
 * refuses; resolved inside the root (as the runtime will mount it), it is checked again.
 */
function checkResolvedDestination(rootfs: string, destination: string): void {
  const probe = (components: string[]): Probe => {
    const path = join(rootfs, ...components);
    try {
      const st = lstatSync(path);
      return st.isSymbolicLink() ? { kind: 'symlink', target: readlinkSync(path) } : { kind: 'other' };
    } catch {
      return { kind: 'missing' };
    }
  };
  const resolved = `/${resolveInRoot(destination, probe, true).components.join('/')}`;
  if (resolved === destination) return;
  const refusal = resolved === '/' ? 'a volume cannot replace the root' : forbiddenDestination(resolved);
  if (refusal) throw new UsageError(`Invalid volume destination "${destination}": it resolves to "${resolved}" through the image's symbolic links, and ${refusal}.`);
}

/** The top-most directory of `path` that does not exist yet: what mkdir -p will create. */
async function firstMissing(path: string): Promise<string> {
  let top = path;
  while (!(await exists(dirname(top))) && dirname(top) !== top) top = dirname(top);
  return top;
}

/**
 * The drivers that may hold this container's layer: the one its record names, or, for a damaged
 * record (no ext), every installed driver, so its mounts and layer are found from the id alone.
 */
function driversFor(bus: LifecycleBus, ctx: ContainerContext): StorageDriver[] {
  const storage = storageFor(bus);
  const ext = ctx.record.ext?.[PLUGIN] as StorageExt | undefined;
  if (ext?.driver) return [storage.driver(ext.driver)];
  const drivers: StorageDriver[] = [bus.storageDriver()];
  for (const name of bus.storageDriverNames()) {
    if (name === drivers[0].name) continue;
    try {
      drivers.push(storage.driver(name));
    } catch {
      // Registered but not usable here (its kernel support is missing): it made no container.
    }
  }
  return drivers;
}

export async function stopped(bus: LifecycleBus, ctx: ContainerContext): Promise<void> {
  const damaged = !ctx.record.ext?.[PLUGIN];
  for (const driver of driversFor(bus, ctx)) {
    if (damaged && !(await driver.list()).includes(ctx.id)) continue;
    await driver.unmount(ctx.id);
  }
}

export async function remove(bus: LifecycleBus, ctx: ContainerContext): Promise<void> {
  const ext = ctx.record.ext?.[PLUGIN] as StorageExt | undefined;
  const storage = storageFor(bus);
  for (const driver of driversFor(bus, ctx)) await driver.remove(ctx.id);
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
  // Only the scratch of commands that are gone (killed mid-import/load/commit); a running one keeps its own.
  const layers = await storage.images.layers.removeScratch();
  if (layers > 0) report.removed.push(`${layers} unfinished layer${layers === 1 ? '' : 's'}`);
  const archives = await removeOrphanScratch(join(bus.config.root, 'tmp'), '');
  if (archives.length > 0) report.removed.push(`${archives.length} unfinished load or save scratch director${archives.length === 1 ? 'y' : 'ies'}`);
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
