import type { ContainerContext, LifecycleBus, MountSpec, PruneReport, InfoReport, ResolvedImage, StorageDriver } from '@mydocker/core';
import { volumeSource } from './volumes/volume-options';
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isNoSpace, noSpace } from './util/no-space';
import { exists } from './util/fs';
import { storageFor, type StorageExt, type VolumeMount } from './storage';
import { forbiddenDestination, parseVolumeSpecs, type VolumeSpec } from './volumes/volume-spec';
import { parseRunMounts } from './volumes/mount-spec';
import { resolveInRoot, type Probe } from '@mydocker/core';
import { runCommand, UsageError } from '@mydocker/core';
import { chmodSync, chownSync, lstatSync, readlinkSync } from 'node:fs';

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
  const parsed = parseRunMounts(ctx.spec);
  for (const v of parsed) {
    // Docker: -v makes a missing host directory, --mount refuses it (before anything is made).
    if (v.kind === 'bind' && v.origin === 'mount' && !(await exists(v.source))) {
      throw new UsageError(`Invalid mount config for type "bind": bind source path does not exist: ${v.source}.`);
    }
  }
  bus.storageDriver();
  const image = await bus.need('images', 'Running a container').resolve(ctx.spec.image);
  const volumes = withImageVolumes(parsed, image.config.volumes);
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
    const image = await bus.need('images', 'Running a container').resolve(ctx.spec.image);
    p = { image, volumes: withImageVolumes(parseRunMounts(ctx.spec), image.config.volumes) };
  }
  const driver = bus.storageDriver();
  ctx.onRollback(PLUGIN, () => driver.remove(ctx.id));
  await driver.create(ctx.id, p.image.layers);
  // Volume destinations are checked through the image's symlinks before any volume is made; `run` keeps
  // the mount for its `prepare` (mounting twice is the same mount), `create` lets it go until `start`.
  // Without volumes nothing here looks into the root, so `prepare` decides how it is mounted.
  const rootfs = p.volumes.length > 0 ? await driver.mount(ctx.id) : '';
  for (const v of p.volumes) checkResolvedDestination(rootfs, v.destination);
  const mounts: VolumeMount[] = [];
  const runtimeMounts: MountSpec[] = [];
  for (const v of p.volumes) {
    const origin = 'origin' in v && v.origin ? { origin: v.origin } : {};
    const mode = 'mode' in v && v.mode ? { mode: v.mode } : {};
    const { destination, readOnly } = v;
    if (v.kind === 'tmpfs') {
      mounts.push({ type: 'tmpfs', anonymous: false, source: '', destination, readOnly, ...origin });
      runtimeMounts.push({ type: 'tmpfs', source: 'tmpfs', destination, readOnly, data: v.options });
      continue;
    }
    if (v.kind === 'bind') {
      if (!(await exists(v.source))) {
        const top = await firstMissing(v.source);
        await mkdir(v.source, { recursive: true });
        ctx.onRollback(PLUGIN, () => rm(top, { recursive: true, force: true }));
      }
      const propagation = v.propagation ? { propagation: v.propagation } : {};
      mounts.push({ type: 'bind', anonymous: false, source: v.source, destination, readOnly, ...propagation, ...mode, ...origin });
      runtimeMounts.push({ type: 'bind', source: v.source, destination, readOnly, ...propagation });
      continue;
    }
    const labels = v.labels;
    const { info, created } = await storage.volumes.ensure(v.kind === 'named' ? v.name : undefined, v.kind === 'anonymous', labels ? { labels } : {});
    if (created) ctx.onRollback(PLUGIN, () => storage.volumes.remove(info.name));
    const source = volumeSource(info.options, info.name);
    // As Docker: a new volume starts with what the image holds at its destination (not with nocopy,
    // and not for a tmpfs or a bind-style volume, whose content is not the volume's directory).
    const noCopy = 'noCopy' in v && v.noCopy === true;
    if (created && !noCopy && source.kind === 'directory') await copyImageContent(rootfs, destination, info.mountpoint);
    mounts.push({ type: 'volume', name: info.name, anonymous: info.anonymous, source: info.mountpoint, destination, readOnly, ...mode, ...origin });
    if (source.kind === 'tmpfs') runtimeMounts.push({ type: 'tmpfs', source: 'tmpfs', destination, readOnly, data: source.data });
    else runtimeMounts.push({ type: 'bind', source: source.kind === 'bind' ? source.source : info.mountpoint, destination, readOnly });
  }
  if (ctx.record.awaitingStart) await driver.unmount(ctx.id);
  // Parents before children, as Docker sorts them: a tmpfs on /data must not hide a bind on /data/x.
  const depth = (path: string) => path.split('/').length;
  runtimeMounts.sort((a, b) => depth(a.destination) - depth(b.destination));
  const layers = p.image.layers.map((l) => basename(dirname(l)));
  const ext: StorageExt = { driver: driver.name, imageId: p.image.id, layers, volumes: mounts, mounts: runtimeMounts };
  ctx.setExt(PLUGIN, ext);
}

/**
 * prepare: mount the container's root for this run (`stopped` unmounts it) and hand the runtime the
 * container's volumes, binds and tmpfs mounts, as `create` worked them out (so a restarted container gets
 * them again). Destinations are checked again, since an earlier run of the container may have put a
 * symlink in its own layer where a volume goes.
 */
export async function prepare(bus: LifecycleBus, ctx: ContainerContext): Promise<void> {
  const ext = ctx.record.ext?.[PLUGIN] as StorageExt | undefined;
  const driver = ext?.driver ? storageFor(bus).driver(ext.driver) : bus.storageDriver();
  const wasMounted = await driver.isMounted(ctx.id);
  if (!wasMounted) ctx.onRollback(PLUGIN, () => driver.unmount(ctx.id));
  // The runtime's helper can make the mount itself with mount(2) (no mount(8) process); only when no
  // volume destination has to be checked through the root first.
  const described =
    !wasMounted && !ext?.volumes?.length && bus.has('runtime') && bus.need('runtime').mountsRootfs
      ? await driver.describeMount?.(ctx.id, { throwaway: ctx.record.autoRemove })
      : undefined;
  if (described) {
    ctx.rootfsMount = described;
    ctx.rootfs = described.target;
    ctx.mounts.push(...(ext?.mounts ?? []));
    return;
  }
  ctx.rootfs = await driver.mount(ctx.id);
  for (const v of ext?.volumes ?? []) checkResolvedDestination(ctx.rootfs, v.destination);
  ctx.mounts.push(...(ext?.mounts ?? []));
}

/**
 * The image's VOLUME paths each get an anonymous volume, unless a -v already mounts something there.
 * They are checked as -v destinations are: an image cannot mount over /proc any more than a user can.
 */
export function withImageVolumes(volumes: VolumeSpec[], imageVolumes: string[] | undefined): VolumeSpec[] {
  const taken = new Set(volumes.map((v) => v.destination));
  const out = [...volumes];
  for (const raw of imageVolumes ?? []) {
    const [spec] = parseVolumeSpecs([raw]).filter((v) => v.kind === 'anonymous');
    if (!spec) throw new UsageError(`The image declares the invalid volume "${raw}".`);
    if (taken.has(spec.destination)) continue;
    taken.add(spec.destination);
    out.push(spec);
  }
  return out;
}

/** What resolveInRoot needs to walk a path inside `rootfs` one component at a time, never following a link. */
function probeIn(rootfs: string): (components: string[]) => Probe {
  return (components) => {
    const path = join(rootfs, ...components);
    try {
      const st = lstatSync(path);
      return st.isSymbolicLink() ? { kind: 'symlink', target: readlinkSync(path) } : { kind: 'other' };
    } catch {
      return { kind: 'missing' };
    }
  };
}

/** Copies the image's files at `destination` (resolved inside the root, never through its symlinks out) into a new volume. */
async function copyImageContent(rootfs: string, destination: string, mountpoint: string): Promise<void> {
  const probe = probeIn(rootfs);
  const resolved = resolveInRoot(destination, probe, true);
  if (!resolved.exists) return;
  const source = join(rootfs, ...resolved.components);
  const st = lstatSync(source);
  if (!st.isDirectory()) return;
  // cp -a never follows a symlink inside the tree; the top is the resolved directory itself.
  await runCommand('cp', ['-a', '--no-target-directory', `${source}/.`, mountpoint]);
  chownSync(mountpoint, st.uid, st.gid);
  chmodSync(mountpoint, st.mode & 0o7777);
}

/**
 * The image's own symlinks could turn an innocent destination (`/data -> /proc/sys`) into one validate
 * refuses; resolved inside the root (as the runtime will mount it), it is checked again.
 */
function checkResolvedDestination(rootfs: string, destination: string): void {
  const probe = probeIn(rootfs);
  const resolved = `/${resolveInRoot(destination, probe, true).components.join('/')}`;
  if (resolved === destination) return;
  const refusal = resolved === '/' ? 'a volume cannot replace the root' : forbiddenDestination(resolved);
  if (refusal)
    throw new UsageError(`Invalid volume destination "${destination}": it resolves to "${resolved}" through the image's symbolic links, and ${refusal}.`);
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
  const driver = bus.storageDriver();
  for (const id of await driver.list()) {
    if (report.knownIds.has(id)) continue;
    await driver.remove(id);
    report.removed.push(`container layer ${id.slice(0, 12)}`);
  }
}

export async function info(bus: LifecycleBus, report: InfoReport): Promise<void> {
  const storage = storageFor(bus);
  report.storage = {
    driver: bus.storageDriver().name,
    drivers: bus.storageDriverNames(),
    volumes: (await storage.volumes.list()).length,
  };
}
