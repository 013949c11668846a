import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Which repositories a blob is known to be in (Docker's "v2 metadata" by digest): written when a pull
 * fetches a blob or a push uploads one, read by `push` to ask the registry for a cross-repository mount
 * (`POST …/blobs/uploads/?mount=DIGEST&from=REPO`) instead of uploading the bytes again. Only a hint:
 * a lost entry costs an upload, a stale one a refused mount, never a wrong image.
 */
export type BlobSources = Record<string, string[]>;

const CAP_PER_BLOB = 5;

function file(root: string): string {
  return join(root, 'distribution', 'blob-sources.json');
}

export async function readBlobSources(root: string): Promise<BlobSources> {
  try {
    const data = JSON.parse(await readFile(file(root), 'utf8')) as unknown;
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as BlobSources) : {};
  } catch {
    return {};
  }
}

/** Records `repository` (`host/path`) for each digest; written whole through a rename. */
export async function recordBlobSources(root: string, repository: string, digests: string[]): Promise<void> {
  const sources = await readBlobSources(root);
  for (const d of digests) {
    const list = (Array.isArray(sources[d]) ? sources[d] : []).filter((r) => r !== repository);
    sources[d] = [repository, ...list].slice(0, CAP_PER_BLOB);
  }
  await mkdir(join(root, 'distribution'), { recursive: true, mode: 0o700 });
  const tmp = `${file(root)}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(sources), { mode: 0o600 });
  await rename(tmp, file(root));
}

/** Another repository of the same registry that has the blob, if one is known. */
export function mountSource(sources: BlobSources, digest: string, host: string, path: string): string | undefined {
  for (const r of sources[digest] ?? []) {
    if (typeof r !== 'string' || !r.startsWith(`${host}/`)) continue;
    const from = r.slice(host.length + 1);
    if (from && from !== path) return from;
  }
  return undefined;
}
