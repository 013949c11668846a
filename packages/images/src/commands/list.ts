import { formatItems, formatTable, type CommandContext } from '@mydocker/core';
import { splitReference } from '../store/oci-config';
import { storeFor } from '../store/store-for';
import type { StoredImage } from '../store/image-store';
import { humanSize, timeAgo } from '../util/progress';
import { applyImageFilters, matchesReference, parseImageFilters } from './filters';

type Args = Record<string, any>;

/** One row of `images`, with the fields Docker's `--format` names. */
export interface ImageRow {
  ID: string;
  Repository: string;
  Tag: string;
  Digest: string;
  CreatedSince: string;
  CreatedAt: string;
  Size: string;
  Containers: string;
  SharedSize: string;
  UniqueSize: string;
  VirtualSize: string;
}

const HEADERS: Record<string, string> = {
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  VirtualSize: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
};

/** Docker's CreatedAt: "2026-11-30 13:45:01 +0000 UTC". */
export function createdAt(iso: string | undefined): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return '';
  return `${new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')} +0000 UTC`;
}

export function created(img: StoredImage): string {
  return img.config.created ?? img.added;
}

export function labelsOf(img: StoredImage): Record<string, string> {
  const l = img.config.config?.Labels;
  return l && typeof l === 'object' ? (l as Record<string, string>) : {};
}

/** `images [REPOSITORY[:TAG]]`: Docker's columns, filters, `-q`, `--digests`, `--no-trunc`, `--format`. */
export async function listImages(args: Args, ctx: CommandContext): Promise<number> {
  const store = storeFor(ctx.bus);
  const filters = parseImageFilters(((args.filter as unknown[]) ?? []).map(String));
  if (args.reference) filters.reference.push(String(args.reference));
  const bounds: { before?: string; since?: string } = {};
  if (filters.before) bounds.before = created(await store.get(filters.before));
  if (filters.since) bounds.since = created(await store.get(filters.since));
  const all = await store.list();
  const images = applyImageFilters(
    all.map((img) => ({ img, id: img.id, names: img.names, created: created(img), labels: labelsOf(img) })),
    filters,
    bounds,
  ).map((f) => f.img);
  images.sort((a, b) => (created(b) < created(a) ? -1 : created(b) > created(a) ? 1 : a.id < b.id ? -1 : 1));
  const noTrunc = args.trunc === false;
  const rows: ImageRow[] = [];
  for (const img of images) {
    // A reference filter shows only the names it matched, as Docker does.
    const shown = filters.reference.length ? img.names.filter((n) => filters.reference.some((p) => matchesReference(p, [n]))) : img.names;
    const names = shown.length ? shown : [undefined];
    for (const n of names) {
      const { repository, tag } = n ? splitReference(n) : { repository: '<none>', tag: '<none>' };
      const digest =
        img.digests.find((d) => d.startsWith(`${repository}@`))?.slice(repository.length + 1) ?? (n ? '<none>' : (img.digests[0]?.split('@')[1] ?? '<none>'));
      const repo = n === undefined && img.digests[0] ? img.digests[0].split('@')[0] : repository;
      rows.push({
        ID: noTrunc ? `sha256:${img.id}` : img.id.slice(0, 12),
        Repository: repo,
        Tag: tag,
        Digest: digest,
        CreatedSince: timeAgo(created(img)),
        CreatedAt: createdAt(created(img)),
        Size: humanSize(img.size),
        VirtualSize: humanSize(img.size),
        SharedSize: 'N/A',
        UniqueSize: 'N/A',
        Containers: 'N/A',
      });
    }
  }
  if (args.quiet) {
    ctx.stdout.write([...new Set(rows.map((r) => r.ID))].map((id) => `${id}\n`).join(''));
    return 0;
  }
  if (args.format) {
    ctx.stdout.write(formatItems(String(args.format), rows, HEADERS));
    return 0;
  }
  const head = ['REPOSITORY', 'TAG', ...(args.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'];
  const body = rows.map((r) => [r.Repository, r.Tag, ...(args.digests ? [r.Digest] : []), r.ID, r.CreatedSince, r.Size]);
  ctx.stdout.write(formatTable([head, ...body]));
  return 0;
}
