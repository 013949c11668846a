import { describeError, formatItems, formatTable, isMydockerError, NotFoundError, type CommandContext } from '@mydocker/core';
import type { ImageInspect } from 'docker-types/generated/1.42';
import type { LocalImageStore, StoredImage } from '../store/image-store';
import { storeFor } from '../store/store-for';
import { humanSize, timeAgo } from '../util/progress';
import { createdAt, created } from './list';

type Args = Record<string, any>;

/** Docker's `image inspect` JSON of one image (Engine API ImageInspect). */
export async function inspectView(store: LocalImageStore, img: StoredImage): Promise<ImageInspect> {
  const c = img.config.config ?? {};
  const orNull = <T>(v: T | undefined | null): T | null => (v === undefined || v === null ? null : v);
  const layerDirs = img.config.rootfs.diff_ids.map((d) => store.layers.path(d));
  return {
    Id: `sha256:${img.id}`,
    RepoTags: img.names,
    RepoDigests: img.digests,
    Parent: '',
    Comment: img.config.history?.[img.config.history.length - 1]?.comment ?? '',
    Created: created(img),
    DockerVersion: '',
    Author: img.config.author ?? '',
    Config: {
      Hostname: '',
      Domainname: '',
      User: c.User ?? '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts as Record<string, Record<string, never>> } : {}),
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: c.Env ?? null,
      Cmd: orNull(c.Cmd),
      Image: '',
      Volumes: orNull(c.Volumes as Record<string, Record<string, never>> | undefined),
      WorkingDir: c.WorkingDir ?? '',
      Entrypoint: orNull(c.Entrypoint),
      OnBuild: orNull(c.OnBuild as string[] | undefined),
      Labels: orNull(c.Labels as Record<string, string> | undefined),
      ...(c.StopSignal ? { StopSignal: String(c.StopSignal) } : {}),
    } as ImageInspect['Config'],
    Architecture: img.config.architecture,
    ...(typeof img.config.variant === 'string' ? { Variant: img.config.variant } : {}),
    Os: img.config.os,
    Size: img.size,
    VirtualSize: img.size,
    GraphDriver: {
      Name: 'overlay2',
      Data: { LowerDir: layerDirs.slice(0, -1).reverse().join(':'), UpperDir: layerDirs[layerDirs.length - 1] ?? '' },
    },
    RootFS: { Type: 'layers', Layers: [...img.config.rootfs.diff_ids] },
    Metadata: { LastTagTime: img.added || null },
  };
}

/** `image inspect [-f TEMPLATE] IMAGE...`: a JSON list, or the template once per image. */
export async function inspectImages(args: Args, ctx: CommandContext): Promise<number> {
  const store = storeFor(ctx.bus);
  const views: ImageInspect[] = [];
  let code = 0;
  for (const ref of (args.images as unknown[]).map(String)) {
    try {
      views.push(await inspectView(store, await store.get(ref)));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      ctx.stderr.write(`Error: ${describeError(err).message}\n`);
      code = 1;
    }
  }
  if (args.format) ctx.stdout.write(formatItems(String(args.format), views));
  else ctx.stdout.write(`${JSON.stringify(views, null, 4)}\n`);
  return code;
}

/** Go's stringutils.Ellipsis, as `docker history` cuts CREATED BY. */
function ellipsis(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

export interface HistoryRow {
  ID: string;
  CreatedSince: string;
  CreatedAt: string;
  CreatedBy: string;
  Size: string;
  Comment: string;
}

/** One row per history entry, newest first; an entry that made a layer gets that layer's size. */
export async function historyRows(store: LocalImageStore, img: StoredImage, noTrunc: boolean, human = true): Promise<HistoryRow[]> {
  const history = img.config.history ?? [];
  const diffIds = img.config.rootfs.diff_ids;
  const entries = history.length ? history : diffIds.map(() => ({}) as { created?: string; created_by?: string; comment?: string; empty_layer?: boolean });
  let layer = 0;
  const rows: HistoryRow[] = [];
  for (const h of entries) {
    let size = 0;
    if (!h.empty_layer && layer < diffIds.length) size = (await store.layers.info(diffIds[layer++]))?.size ?? 0;
    const by = (h.created_by ?? '').replace(/\t/g, ' ');
    rows.push({
      ID: '<missing>',
      CreatedSince: h.created ? timeAgo(h.created) : 'N/A',
      CreatedAt: createdAt(h.created),
      CreatedBy: noTrunc ? by : ellipsis(by, 45),
      Size: human ? humanSize(size) : String(size),
      Comment: h.comment ?? '',
    });
  }
  rows.reverse();
  if (rows.length) rows[0].ID = noTrunc ? `sha256:${img.id}` : img.id.slice(0, 12);
  return rows;
}

/** `image history [-q] [--no-trunc] [--format] IMAGE` (and `history`). */
export async function imageHistory(args: Args, ctx: CommandContext): Promise<number> {
  const store = storeFor(ctx.bus);
  const img = await store.get(String(args.image));
  const noTrunc = args.trunc === false;
  const rows = await historyRows(store, img, noTrunc, args.human !== false);
  if (args.quiet) {
    ctx.stdout.write(rows.map((r) => `${r.ID}\n`).join(''));
    return 0;
  }
  if (args.format) {
    ctx.stdout.write(formatItems(String(args.format), rows, { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY' }));
    return 0;
  }
  ctx.stdout.write(
    formatTable([['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], ...rows.map((r) => [r.ID, r.CreatedSince, r.CreatedBy, r.Size, r.Comment])]),
  );
  return 0;
}

export { isMydockerError };
