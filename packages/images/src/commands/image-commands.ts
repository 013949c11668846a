import {
  isMydockerError,
  NotFoundError,
  UsageError,
  type CommandContext,
  type ContainerRecord,
  type LifecycleBus,
  type StorageDriver,
  type CommandArgs,
} from '@mydocker/core';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { checkName, type StoredImage } from '../store/image-store';
import { parseReference, storeName } from '../reference';
import { emitImageEvent, loadedImages } from './image-events';
import { makeConfig } from '../store/oci-config';
import { packDirectory } from '../layer/tar-pack';
import { importRootfs, loadArchive, saveImages } from '../store/transfer';
import { storeFor } from '../store/store-for';
import { progress } from '../util/progress';
import { isNoSpace, noSpace } from '../util/no-space';
import { applyChanges } from './changes';

type Args = CommandArgs;

async function sizeOf(file: string): Promise<number> {
  return (await stat(file).catch(() => ({ size: 0 }))).size;
}

export async function importImage(args: Args, ctx: CommandContext): Promise<number> {
  const store = storeFor(ctx.bus);
  const file = String(args.file);
  if (args.reference !== undefined) checkName(String(args.reference));
  const changes = list(args.change);
  // Checked before anything is read: a bad --change changes nothing.
  applyChanges({}, changes);
  const bar = progress(ctx.stderr, 'Importing', await sizeOf(file));
  const id = await importRootfs(store, file, args.reference ? String(args.reference) : undefined, bar.add, {
    changes,
    message: args.message ? String(args.message) : undefined,
  });
  bar.done();
  ctx.stdout.write(`sha256:${id}\n`);
  // Docker's order: the new name's `tag` event, then `import`.
  if (args.reference !== undefined) await emitTag(ctx, String(args.reference), id);
  await emitImageEvent(ctx, 'import', await store.get(id));
  return 0;
}

async function emitTag(ctx: CommandContext, reference: string, id: string): Promise<void> {
  const target = parseReference(reference);
  const name = storeName({ ...target, tag: target.tag ?? 'latest' }) ?? reference;
  await ctx.bus.emitEvent({ type: 'image', action: 'tag', id: `sha256:${id}`, attributes: { name } });
}

export async function loadImages(args: Args, ctx: CommandContext): Promise<number> {
  const store = storeFor(ctx.bus);
  const file = String(args.input);
  const bar = progress(ctx.stderr, 'Loading', await sizeOf(file));
  const loaded = await loadArchive(store, file, bar.add);
  bar.done();
  ctx.stdout.write(loaded.map((l) => `${l}\n`).join(''));
  for (const image of await loadedImages(store, loaded)) await emitImageEvent(ctx, 'load', image);
  return 0;
}

export async function saveImagesCommand(args: Args, ctx: CommandContext): Promise<number> {
  const store = storeFor(ctx.bus);
  const refs = (args.images as unknown[]).map(String);
  await saveImages(store, refs, String(args.output));
  const saved: StoredImage[] = [];
  for (const ref of refs) {
    const image = await store.get(ref);
    if (!saved.some((i) => i.id === image.id)) saved.push(image);
  }
  for (const image of saved) await emitImageEvent(ctx, 'save', image);
  return 0;
}

/** What this package recorded for a container (`ext.images`), or what the storage plugin did before. */
interface ContainerImage {
  imageId?: string;
  layers?: string[];
  driver?: string;
}

function containerImage(record: ContainerRecord): ContainerImage {
  return { ...((record.ext?.storage as ContainerImage | undefined) ?? {}), ...((record.ext?.images as ContainerImage | undefined) ?? {}) };
}

/** The storage driver that made the container's root (core's contract; it may differ from today's default). */
function driverFor(bus: LifecycleBus, record: ContainerRecord): StorageDriver {
  const name = containerImage(record).driver;
  const current = bus.storageDriver();
  if (!name || name === current.name) return current;
  const registration = bus.storageDriverRegistration(name);
  if (!registration) throw new UsageError(`Container ${record.name} was made by the storage driver "${name}", which is not installed.`);
  return registration.create({ home: `${bus.config.root}/storage/${name}`, config: bus.config });
}

export async function exportContainer(args: Args, ctx: CommandContext): Promise<number> {
  const record = await ctx.bus.need('stateStore').get(String(args.container));
  if (!args.output && (ctx.stdout as NodeJS.WriteStream).isTTY) {
    throw new UsageError('Refusing to write a tar archive to a terminal: use -o FILE or redirect the output.');
  }
  const driver = driverFor(ctx.bus, record);
  if (!(await driver.list()).includes(record.id)) throw new UsageError(`Container ${record.name} has no root filesystem.`);
  const wasMounted = await driver.isMounted(record.id);
  const root = await driver.mount(record.id);
  try {
    const out = args.output ? createWriteStream(String(args.output)) : ctx.stdout;
    await pipeline(packDirectory(root, { layer: false }), out as NodeJS.WritableStream);
  } finally {
    if (!wasMounted) await driver.unmount(record.id);
  }
  return 0;
}

function list(value: unknown): string[] {
  return value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
}

/**
 * `commit [-a AUTHOR] [-m MESSAGE] [-c CHANGE]... [-q] CONTAINER [REPOSITORY[:TAG]]`: the container's
 * changes become a layer over its image's; `-c` applies Dockerfile instructions to the config.
 */
export async function commitContainer(args: Args, ctx: CommandContext): Promise<number> {
  const store = storeFor(ctx.bus);
  const record = await ctx.bus.need('stateStore').get(String(args.container));
  const names = args.reference ? [checkName(String(args.reference))] : [];
  const imageId = containerImage(record).imageId ?? record.imageId;
  if (!imageId) throw new UsageError(`Container ${record.name} has no image to commit onto.`);
  const base = await store.find(imageId);
  if (!base) throw new NotFoundError(`Cannot commit ${record.name}: its image ${imageId.slice(0, 12)} was removed.`);
  const changed = applyChanges(base.config.config ?? {}, list(args.change));
  const driver = driverFor(ctx.bus, record);
  let id: string;
  let diff: string | undefined;
  try {
    diff = await store.layers.scratch();
    await driver.diff(record.id, diff);
    const { digest, size } = await store.layers.tarInfo(diff);
    const config = makeConfig({
      base: base.config,
      diffIds: [...base.config.rootfs.diff_ids, `sha256:${digest}`],
      created: new Date().toISOString(),
      createdBy: `mydocker commit ${record.name}`,
      comment: args.message ? String(args.message) : undefined,
      config: changed,
      author: args.author ? String(args.author) : undefined,
    });
    // As Docker: an existing name moves to the new image; the old one keeps its id (untagged when it had no other name).
    const layers = new Map([[digest, diff]]);
    id = await store.withLock(() => store.placeAndAdd(layers, [{ config, names, tarSizes: new Map([[digest, size]]) }]));
  } catch (err) {
    if (isNoSpace(err)) throw noSpace(ctx.config.root);
    if (isMydockerError(err)) throw err;
    throw new UsageError(
      `Cannot commit ${record.name}: ${String((err as Error).message)
        .split('\n')[0]
        .replace(/[.\s]+$/, '')}.`,
    );
  } finally {
    // Removed at once, not left for a prune: on a full disk this is the space the user needs back.
    if (diff) await store.layers.discard(diff);
  }
  ctx.stdout.write(`sha256:${id}\n`);
  return 0;
}
