import { UsageError, type CommandContext, type ContainerRecord } from '@mydocker/core';
import { layersInUse, storeFor } from '../store/store-for';
import { humanSize } from '../util/progress';
import { applyImageFilters, parseImageFilters } from './filters';
import { created, labelsOf } from './list';

type Args = Record<string, any>;

async function readAnswer(stdin: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.pause?.();
      resolve(text.split('\n')[0].trim());
    };
    const onData = (c: Buffer) => {
      text += c.toString();
      if (text.includes('\n')) done();
    };
    stdin.on('data', onData);
    stdin.on('end', done);
    stdin.resume?.();
  });
}

/**
 * `image prune [-a] [-f] [--filter]`: removes the dangling images (no name) that no container uses, or
 * with -a every image no container uses; asks first unless -f, as Docker does. Docker's report:
 * "Deleted Images:", the untagged and deleted lines, "Total reclaimed space:".
 */
export async function pruneImages(args: Args, ctx: CommandContext): Promise<number> {
  const filters = parseImageFilters(((args.filter as unknown[]) ?? []).map(String));
  if (filters.dangling !== undefined || filters.reference.length)
    throw new UsageError('image prune takes only the label, before and since filters (use -a for all unused images).');
  if (!args.force) {
    ctx.stdout.write(
      args.all
        ? 'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] '
        : 'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ',
    );
    const answer = await readAnswer(process.stdin);
    if (!/^y(es)?$/i.test(answer)) return 0;
  }
  const store = storeFor(ctx.bus);
  const records: ContainerRecord[] = ctx.bus.has('stateStore') ? await ctx.bus.need('stateStore').list() : [];
  const used = new Set(records.map((r) => r.imageId ?? (r.ext?.images as { imageId?: string } | undefined)?.imageId).filter(Boolean));
  const lines: string[] = [];
  let reclaimed = 0;
  await store.withLock(async () => {
    const bounds: { before?: string; since?: string } = {};
    if (filters.before) bounds.before = created(await store.get(filters.before));
    if (filters.since) bounds.since = created(await store.get(filters.since));
    const all = (await store.list()).map((img) => ({ img, id: img.id, names: img.names, created: created(img), labels: labelsOf(img) }));
    const candidates = applyImageFilters(all, { ...filters, dangling: args.all ? undefined : true }, bounds).map((c) => c.img);
    for (const img of candidates) {
      if (used.has(img.id)) continue;
      for (const n of img.names) lines.push(`untagged: ${n}`);
      for (const d of img.digests) lines.push(`untagged: ${d}`);
      await store.deleteImage(img.id);
      lines.push(`deleted: sha256:${img.id}`);
    }
    const before = new Map<string, number>();
    for (const l of await store.layers.list()) before.set(l, (await store.layers.info(l))?.size ?? 0);
    for (const l of await store.gc(await layersInUse(ctx.bus))) {
      lines.push(`deleted: sha256:${l}`);
      reclaimed += before.get(l) ?? 0;
    }
  });
  if (lines.length) ctx.stdout.write(`Deleted Images:\n${lines.map((l) => `${l}\n`).join('')}\n`);
  ctx.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  return 0;
}
