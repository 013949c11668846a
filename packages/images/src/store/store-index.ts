/**
 * The image store's table (`<root>/images/index.json`) and the pure rules over it: which image a name
 * means, and which layers and blobs nothing refers to any more. Kept apart from the files so the rules
 * are unit-tested without a disk.
 */

export const INDEX_VERSION = 2;

/** One stored manifest: an image as a registry or an archive gave it (or as this store wrote it). */
export interface ManifestEntry {
  /** `sha256:…` of the config blob: the image id. */
  config: string;
  /** The config's diff ids (`sha256:…`), lowest first: the unpacked layers it uses. */
  layers: string[];
  /** The layer blobs the manifest names (`sha256:…`), in order; absent blobs are packed from the unpacked layer. */
  blobs: string[];
  /** `repository@sha256:…` this manifest was pulled by (the registry's digest, which may be an index's). */
  repoDigests: string[];
  /** When it was stored (ISO 8601). */
  added: string;
}

export interface StoreIndex {
  version: number;
  /** Normalized `repository:tag` → manifest digest. */
  tags: Record<string, string>;
  /** Manifest digest → what it holds. */
  manifests: Record<string, ManifestEntry>;
}

export function emptyIndex(): StoreIndex {
  return { version: INDEX_VERSION, tags: {}, manifests: {} };
}

/** The image ids (config digests, bare hex) the index holds. */
export function imageIds(index: StoreIndex): string[] {
  return [...new Set(Object.values(index.manifests).map((m) => bare(m.config)))].sort();
}

/** The manifests whose config is the image `id` (bare hex). */
export function manifestsOf(index: StoreIndex, id: string): string[] {
  return Object.keys(index.manifests)
    .filter((d) => bare(index.manifests[d].config) === id)
    .sort();
}

/** The names pointing at the image `id`, sorted. */
export function tagsOf(index: StoreIndex, id: string): string[] {
  return Object.keys(index.tags)
    .filter((n) => index.manifests[index.tags[n]] && bare(index.manifests[index.tags[n]].config) === id)
    .sort();
}

export function repoDigestsOf(index: StoreIndex, id: string): string[] {
  return [...new Set(manifestsOf(index, id).flatMap((d) => index.manifests[d].repoDigests))].sort();
}

/**
 * Removes the image `id`: its manifests and every name pointing at them. Returns the names removed.
 * Pure: the caller writes the index and then collects what is unreferenced.
 */
export function dropImage(index: StoreIndex, id: string): string[] {
  const manifests = new Set(manifestsOf(index, id));
  const names = Object.keys(index.tags)
    .filter((n) => manifests.has(index.tags[n]))
    .sort();
  for (const n of names) delete index.tags[n];
  for (const d of manifests) delete index.manifests[d];
  return names;
}

/**
 * Reference counting: the layers (diff ids, bare hex) and blobs (bare hex) that no manifest names and
 * no container uses (`containerLayers`, diff ids with or without `sha256:`). A layer goes only when
 * the last image and the last container using it are gone.
 */
export function unreferenced(
  index: StoreIndex,
  present: { layers: string[]; blobs: string[] },
  containerLayers: Iterable<string> = [],
): { layers: string[]; blobs: string[] } {
  const layers = new Set([...containerLayers].map(bare));
  const blobs = new Set<string>();
  for (const [digest, m] of Object.entries(index.manifests)) {
    blobs.add(bare(digest));
    blobs.add(bare(m.config));
    for (const l of m.layers) layers.add(bare(l));
    for (const b of m.blobs) blobs.add(bare(b));
  }
  return { layers: present.layers.filter((l) => !layers.has(l)), blobs: present.blobs.filter((b) => !blobs.has(b)) };
}

/** How many manifests use each layer (diff id, bare hex): what `image inspect` and the tests look at. */
export function layerRefCounts(index: StoreIndex): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of Object.values(index.manifests)) for (const l of new Set(m.layers.map(bare))) counts.set(l, (counts.get(l) ?? 0) + 1);
  return counts;
}

/** Checks a parsed index.json; throws a plain Error (the caller words it). */
export function checkIndex(value: unknown): StoreIndex {
  const v = value as StoreIndex;
  if (!v || typeof v !== 'object' || typeof v.tags !== 'object' || typeof v.manifests !== 'object' || v.tags === null || v.manifests === null) {
    throw new Error('it is not an image index');
  }
  if (v.version !== INDEX_VERSION) throw new Error(`its version ${String(v.version)} is not ${INDEX_VERSION}`);
  for (const [d, m] of Object.entries(v.manifests)) {
    if (!DIGEST.test(d) || !m || !DIGEST.test(m.config) || !Array.isArray(m.layers) || !Array.isArray(m.blobs) || !Array.isArray(m.repoDigests)) {
      throw new Error(`its entry ${d.slice(0, 19)} is damaged`);
    }
  }
  return v;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function bare(digest: string): string {
  return digest.replace(/^sha256:/, '');
}
