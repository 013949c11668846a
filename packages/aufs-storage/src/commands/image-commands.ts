import { ConflictError, describeError, formatTable, isMydockerError, NotFoundError, UsageError, type CommandContext, type ContainerRecord } from '@mydocker/core';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { checkName } from '../images/image-store';
import { makeConfig, splitReference } from '../images/oci-config';
import { packDirectory } from '../images/tar-pack';
import { importRootfs, loadArchive, saveImages } from '../images/transfer';
import { storageFor, type StorageExt } from '../storage';
import { humanSize, progress, timeAgo } from '../util/progress';
import { isNoSpace, noSpace } from '../util/no-space';

type Args = Record<string, any>;

export async function listImages(args: Args, ctx: CommandContext): Promise<number> {
  const store = storageFor(ctx.bus).images;
  let images = await store.list();
  if (args.reference) {
    const wanted = String(args.reference);
    images = images.filter((i) => i.names.some((n) => n === checkName(wanted) || splitReference(n).repository === wanted));
  }
  const rows: string[][] = [];
  for (const img of images.sort((a, b) => ((b.config.created ?? '') < (a.config.created ?? '') ? -1 : (b.config.created ?? '') > (a.config.created ?? '') ? 1 : 0))) {
    const names = img.names.length ? img.names : [undefined];
    for (const n of names) {
      const { repository, tag } = n ? splitReference(n) : { repository: '<none>', tag: '<none>' };
      const digest = img.digests.find((d) => d.startsWith(`${repository}@`))?.slice(repository.length + 1) ?? '<none>';
      rows.push([repository, tag, ...(args.digests ? [digest] : []), img.id.slice(0, 12), timeAgo(img.config.created), humanSize(img.size)]);
    }
  }
  if (args.quiet) {
    ctx.stdout.write([...new Set(rows.map((r) => r[args.digests ? 3 : 2]))].map((id) => `${id}\n`).join(''));
    return 0;
  }
  ctx.stdout.write(formatTable([['REPOSITORY', 'TAG', ...(args.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'], ...rows]));
  return 0;
}

async function containers(ctx: CommandContext): Promise<ContainerRecord[]> {
  return ctx.bus.has('stateStore') ? ctx.bus.need('stateStore').list() : [];
}

export async function removeImages(args: Args, ctx: CommandContext): Promise<number> {
  const storage = storageFor(ctx.bus);
  const store = storage.images;
  let code = 0;
  for (const ref of args.images as string[]) {
    try {
      await store.withLock(async () => {
        const image = await store.get(String(ref));
        const byName = image.names.includes(checkNameOrUndefined(String(ref)) ?? '');
        if (byName && image.names.length > 1) {
          await store.untag(String(ref));
          ctx.stdout.write(`Untagged: ${checkName(String(ref))}\n`);
          return;
        }
        const users = (await containers(ctx)).filter((r) => r.imageId === image.id || (r.ext.storage as StorageExt | undefined)?.imageId === image.id);
        if (users.length > 0 && !args.force) {
          throw new ConflictError(`Unable to remove image ${ref}: container ${users[0].name} uses it (remove the container first, or use -f).`);
        }
        if (!byName && image.names.length > 1 && !args.force) {
          throw new ConflictError(`Unable to remove image ${ref}: it has several names (remove them by name, or use -f).`);
        }
        for (const n of image.names) ctx.stdout.write(`Untagged: ${n}\n`);
        await store.deleteImage(image.id);
        await store.gcLayers(await storage.layersInUse());
        ctx.stdout.write(`Deleted: sha256:${image.id}\n`);
      });
    } catch (err) {
      if (!(err instanceof NotFoundError || err instanceof ConflictError || err instanceof UsageError)) throw err;
      ctx.stderr.write(`Error: ${describeError(err).message}\n`);
      code = 1;
    }
  }
  return code;
}

function checkNameOrUndefined(ref: string): string | undefined {
  try {
    return checkName(ref);
  } catch {
    return undefined;
  }
}

async function sizeOf(file: string): Promise<number> {
  return (await stat(file).catch(() => ({ size: 0 }))).size;
}

export async function importImage(args: Args, ctx: CommandContext): Promise<number> {
  const store = storageFor(ctx.bus).images;
  const file = String(args.file);
  if (args.reference !== undefined) checkName(String(args.reference));
  const bar = progress(ctx.stderr, 'Importing', await sizeOf(file));
  const id = await importRootfs(store, file, args.reference ? String(args.reference) : undefined, bar.add);
  bar.done();
  ctx.stdout.write(`sha256:${id}\n`);
  return 0;
}

export async function loadImages(args: Args, ctx: CommandContext): Promise<number> {
  const store = storageFor(ctx.bus).images;
  const file = String(args.input);
  const bar = progress(ctx.stderr, 'Loading', await sizeOf(file));
  const loaded = await loadArchive(store, file, bar.add);
  bar.done();
  ctx.stdout.write(loaded.map((l) => `${l}\n`).join(''));
  return 0;
}

export async function saveImagesCommand(args: Args, ctx: CommandContext): Promise<number> {
  await saveImages(storageFor(ctx.bus).images, (args.images as unknown[]).map(String), String(args.output));
  return 0;
}

export async function exportContainer(args: Args, ctx: CommandContext): Promise<number> {
  const record = await ctx.bus.need('stateStore').get(String(args.container));
  const ext = record.ext.storage as StorageExt | undefined;
  if (!ext) throw new UsageError(`Container ${record.name} has no root filesystem from this storage plugin.`);
  if (!args.output && (ctx.stdout as NodeJS.WriteStream).isTTY) {
    throw new UsageError('Refusing to write a tar archive to a terminal: use -o FILE or redirect the output.');
  }
  const driver = storageFor(ctx.bus).driver(ext.driver);
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

export async function commitContainer(args: Args, ctx: CommandContext): Promise<number> {
  const storage = storageFor(ctx.bus);
  const store = storage.images;
  const record = await ctx.bus.need('stateStore').get(String(args.container));
  const ext = record.ext.storage as StorageExt | undefined;
  if (!ext) throw new UsageError(`Container ${record.name} has no root filesystem from this storage plugin.`);
  const names = args.reference ? [checkName(String(args.reference))] : [];
  const base = await store.find(ext.imageId);
  if (!base) throw new NotFoundError(`Cannot commit ${record.name}: its image ${ext.imageId.slice(0, 12)} was removed.`);
  const driver = storage.driver(ext.driver);
  let id: string;
  let diff: string | undefined;
  try {
    diff = await store.layers.scratch();
    await driver.diff(record.id, diff);
    const digest = await store.layers.digestDir(diff);
    const config = makeConfig({
      base: base.config,
      diffIds: [...base.config.rootfs.diff_ids, `sha256:${digest}`],
      created: new Date().toISOString(),
      createdBy: `mydocker commit ${record.name}`,
      comment: args.message ? String(args.message) : undefined,
    });
    // As Docker: an existing name moves to the new image; the old one keeps its id (untagged when it had no other name).
    const layers = new Map([[digest, diff]]);
    id = await store.withLock(() => store.placeAndAdd(layers, [{ config, names }]));
  } catch (err) {
    if (isNoSpace(err)) throw noSpace(ctx.config.root);
    if (isMydockerError(err)) throw err;
    throw new UsageError(`Cannot commit ${record.name}: ${String((err as Error).message).split('\n')[0].replace(/[.\s]+$/, '')}.`);
  } finally {
    // Removed at once, not left for a prune: on a full disk this is the space the user needs back.
    if (diff) await store.layers.discard(diff);
  }
  ctx.stdout.write(`sha256:${id}\n`);
  return 0;
}

export async function imageSubcommand(args: Args, ctx: CommandContext): Promise<number> {
  const rest = ((args.args as unknown[]) ?? []).map(String);
  switch (String(args.action)) {
    case 'ls':
    case 'list':
      return listImages({ ...args, reference: rest[0] }, ctx);
    case 'rm':
    case 'remove':
      if (rest.length === 0) throw new UsageError('"image rm" needs at least one image.');
      return removeImages({ ...args, images: rest }, ctx);
    case 'import':
      if (rest.length < 1 || rest.length > 2) throw new UsageError('"image import" needs a file and an optional image name.');
      return importImage({ file: rest[0], reference: rest[1] }, ctx);
    case 'load':
      if (!args.input) throw new UsageError('"image load" needs -i FILE.');
      return loadImages(args, ctx);
    case 'save':
      if (!args.output || rest.length === 0) throw new UsageError('"image save" needs -o FILE and at least one image.');
      return saveImagesCommand({ ...args, images: rest }, ctx);
    case 'inspect': {
      if (rest.length === 0) throw new UsageError('"image inspect" needs at least one image.');
      const store = storageFor(ctx.bus).images;
      const out = [];
      for (const ref of rest) {
        const img = await store.get(ref);
        out.push({ Id: `sha256:${img.id}`, RepoTags: img.names, RepoDigests: img.digests, Size: img.size, ...img.config });
      }
      ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    default:
      throw new UsageError(`Unknown image command "${args.action}": use ls, rm, import, load, save or inspect.`);
  }
}
