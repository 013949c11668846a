import {
  newSha256,
  NotFoundError,
  truncate,
  UsageError,
  randomHex,
  withFileLock,
  type EngineConfig,
  type FetchedImage,
  type ImageStore,
  type ResolvedImage,
  type StoredManifest,
} from '@mydocker/core';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { link, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { LayerStore } from './layer-store';
import { checkConfig, isValidReference, normalizeReference, sha256, splitReference, toImageConfig, type OciImageConfig } from './oci-config';
import {
  bare,
  checkIndex,
  dropImage,
  emptyIndex,
  imageIds,
  manifestsOf,
  repoDigestsOf,
  tagsOf,
  unreferenced,
  type ManifestEntry,
  type StoreIndex,
} from './store-index';
import { isNoSpace } from '../util/no-space';
import { DEFAULT_IMAGE } from './default-image';

export interface StoredImage {
  /** The config's sha256 (bare hex): Docker's image id. */
  id: string;
  /** Normalized `repository:tag` names pointing at it. */
  names: string[];
  config: OciImageConfig;
  /** Bytes of all its unpacked layers. */
  size: number;
  /** `repository@sha256:…` of the manifests it was pulled by. */
  digests: string[];
  /** The digests of the manifests stored for it. */
  manifests: string[];
  /** When it was first stored. */
  added: string;
}

/** An image to add: its config, names, and (when it came as blobs) its manifest and layer blobs verbatim. */
export interface NewImage {
  config: OciImageConfig;
  names: string[];
  /** The config's exact bytes; written by the store when absent. */
  raw?: string | Buffer;
  /** The manifest's exact bytes; the store writes an OCI manifest when absent. */
  manifest?: Buffer;
  /** Layer blobs (`sha256:…` → file to move or copy into the store), as the manifest names them. */
  blobs?: Map<string, string>;
  /** `repository@sha256:…` to record. */
  repoDigest?: string;
  /** Sizes of the uncompressed layer tars by diff id (for a written manifest). */
  tarSizes?: Map<string, number>;
  /** For a written manifest: the layer blobs kept (digest, size, media type), in order; absent: the unpacked layers' tar form. */
  layerDescriptors?: Array<{ digest: string; size: number; mediaType: string }>;
}

// Its own module so busybox.ts (loaded by this one) needs nothing of this one at run time: no import circle.
export { DEFAULT_IMAGE };
const MEDIA_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MEDIA_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const MEDIA_LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const MEDIA_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** Manifests and configs above this are refused when read back (a registry's are capped as they arrive). */
const MAX_META = 4 * 1024 * 1024;

/**
 * The content-addressed image store, `<root>/images/`:
 *   sha256/HEX     blobs: manifests and configs byte for byte as they came (so an image keeps its id and
 *                  digest through pull, save, load and push), and layer blobs as pulled, loaded or imported
 *   index.json     tags (name → manifest digest) and, per manifest, its config, diff ids, blobs and the
 *                  repository digests it was pulled by
 * and `<root>/layers/DIFFID/diff`: each layer unpacked once, in overlay's format, shared by every image
 * that has it and removed with the last image (or container) that uses it.
 * Changes take a lock under the run root; readers see the old or the new index (atomic rename).
 * A store in the old layout (`images/ID/config.json`, `images/repositories.json`) is migrated on first use.
 */
export class LocalImageStore implements ImageStore {
  readonly dir: string;
  readonly blobDir: string;
  readonly layers: LayerStore;
  private readonly lockPath: string;
  private migrated = false;

  constructor(readonly config: EngineConfig) {
    this.dir = join(config.root, 'images');
    this.blobDir = join(this.dir, 'sha256');
    this.layers = new LayerStore(config.root);
    this.lockPath = join(config.runRoot, 'storage', 'images.lock');
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    // Before the lock: migrating takes it itself.
    await this.migrate();
    return withFileLock(this.lockPath, fn, { staleMs: 30_000, busyMessage: 'The image store is busy: another mydocker command holds its lock.' });
  }

  // ---- the index ---------------------------------------------------------------------------------

  async index(): Promise<StoreIndex> {
    await this.migrate();
    return this.readIndex();
  }

  /** The index as on disk, without migrating (the migration itself reads it so). */
  async readIndex(): Promise<StoreIndex> {
    let text: string;
    try {
      // Synchronous: one small file read on every `run`, where an asynchronous read is several thread-pool round trips.
      text = readFileSync(join(this.dir, 'index.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
      throw err;
    }
    try {
      return checkIndex(JSON.parse(text));
    } catch (err) {
      throw new UsageError(`The image store's index ${join(this.dir, 'index.json')} is damaged: ${String((err as Error).message).replace(/[.\s]+$/, '')}.`);
    }
  }

  /** Call holding the lock. */
  async writeIndex(index: StoreIndex): Promise<void> {
    const writeFileAtomic = require('write-file-atomic') as typeof import('write-file-atomic');
    await mkdir(this.dir, { recursive: true });
    const sort = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    await writeFileAtomic(
      join(this.dir, 'index.json'),
      `${JSON.stringify({ version: index.version, tags: sort(index.tags), manifests: sort(index.manifests) }, null, 2)}\n`,
    );
  }

  /** The old layout (one folder per image id, repositories.json) becomes blobs and an index, once. */
  private async migrate(): Promise<void> {
    if (this.migrated) return;
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      names = [];
    }
    if (names.includes('repositories.json') || names.some((n) => /^[0-9a-f]{64}$/.test(n))) {
      const { migrateOldLayout } = require('./migrate') as typeof import('./migrate');
      await withFileLock(this.lockPath, () => migrateOldLayout(this), {
        staleMs: 30_000,
        busyMessage: 'The image store is busy: another mydocker command holds its lock.',
      });
    }
    this.migrated = true;
  }

  // ---- blobs -------------------------------------------------------------------------------------

  blobPath(digest: string): string {
    return join(this.blobDir, bare(digest));
  }

  async hasBlob(digest: string): Promise<boolean> {
    return stat(this.blobPath(digest)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  async readBlob(digest: string): Promise<Buffer> {
    const path = this.blobPath(digest);
    // Synchronous: a manifest or config of a few KiB (at most MAX_META), read on every `run`.
    const st = statSync(path);
    if (st.size > MAX_META) throw new UsageError(`The stored blob ${digest.slice(0, 19)} is larger than ${MAX_META} bytes.`);
    return readFileSync(path);
  }

  /** Writes bytes as a blob (atomic; the same bytes twice are one file). Returns `sha256:…`. */
  async writeBlob(data: Buffer | string): Promise<string> {
    const digest = sha256(data);
    const path = this.blobPath(digest);
    if (await this.hasBlob(digest)) return `sha256:${digest}`;
    await mkdir(this.blobDir, { recursive: true });
    const tmp = join(this.blobDir, `.tmp-${randomHex(6)}`);
    await writeFile(tmp, data);
    await rename(tmp, path);
    return `sha256:${digest}`;
  }

  /**
   * Hard-links (or copies) a file this engine wrote and verified (a download, a staged copy) into the
   * store as the blob `digest`. Never given a user's file: that could change after it was checked.
   */
  async adoptBlob(digest: string, file: string): Promise<void> {
    if (await this.hasBlob(digest)) return;
    await mkdir(this.blobDir, { recursive: true });
    const tmp = join(this.blobDir, `.tmp-${randomHex(6)}`);
    try {
      await link(file, tmp);
    } catch {
      const { copyFile } = await import('node:fs/promises');
      await copyFile(file, tmp);
    }
    await rename(tmp, this.blobPath(digest));
  }

  /** Copies a stream into `file` (a scratch of the caller's), hashing it: the copy is what is then read and kept. */
  async stage(input: NodeJS.ReadableStream, file: string): Promise<{ digest: string; size: number }> {
    const { createWriteStream } = await import('node:fs');
    const { pipeline } = await import('node:stream/promises');
    const hash = newSha256();
    let size = 0;
    await pipeline(
      input,
      async function* (source: AsyncIterable<Buffer | string>) {
        for await (const c of source) {
          const chunk = typeof c === 'string' ? Buffer.from(c) : c;
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(file, { flags: 'wx', mode: 0o600 }),
    );
    return { digest: `sha256:${hash.digest('hex')}`, size };
  }

  async blobList(): Promise<string[]> {
    return (await readdir(this.blobDir).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{64}$/.test(n));
  }

  // ---- look-ups ----------------------------------------------------------------------------------

  async resolve(ref: string): Promise<ResolvedImage> {
    let found = await this.find(ref);
    if (!found && this.isDefault(ref)) {
      const { buildBusyboxImage } = await import('./busybox');
      await buildBusyboxImage(this);
      found = await this.find(ref);
    }
    if (!found)
      throw new NotFoundError(`Unable to find image '${truncate(ref)}' locally: pull it, or load it with \`mydocker load\` or \`mydocker import\` first.`);
    const layers: string[] = [];
    for (const d of found.config.rootfs.diff_ids) {
      if (!(await this.layers.has(d)))
        throw new NotFoundError(`Image '${ref}' is damaged: its layer ${d.slice(7, 19)} is missing; remove it and load it again.`);
      layers.push(this.layers.path(d));
    }
    return { id: found.id, name: found.names[0] ?? found.id, config: toImageConfig(found.config), layers };
  }

  isDefault(ref: string): boolean {
    const wanted = normalizeReference(this.config.defaultImage);
    return wanted === DEFAULT_IMAGE && normalizeReference(ref) === DEFAULT_IMAGE;
  }

  /** By name, `name@sha256:…`, full id, `sha256:` id or unique id prefix; undefined when unknown. */
  async find(ref: string, index?: StoreIndex): Promise<StoredImage | undefined> {
    const idx = index ?? (await this.index());
    if (ref.includes('@')) return this.findByDigest(ref, idx);
    const name = normalizeReference(ref);
    const manifest = idx.tags[name];
    if (manifest && idx.manifests[manifest]) return this.load(bare(idx.manifests[manifest].config), idx);
    const hex = ref.replace(/^sha256:/, '');
    if (!/^[0-9a-f]{1,64}$/.test(hex)) return undefined;
    const ids = imageIds(idx).filter((id) => id.startsWith(hex));
    if (ids.length > 1) throw new UsageError(`The image id prefix '${ref}' is ambiguous: give more characters.`);
    return ids.length === 1 ? this.load(ids[0], idx) : undefined;
  }

  /** Like find, but a NotFoundError when unknown; the default image is built on first use. */
  async get(ref: string): Promise<StoredImage> {
    let found = await this.find(ref);
    if (!found && this.isDefault(ref)) {
      const { buildBusyboxImage } = await import('./busybox');
      await buildBusyboxImage(this);
      found = await this.find(ref);
    }
    if (!found) throw new NotFoundError(`No such image: ${truncate(ref)}.`);
    return found;
  }

  private async load(id: string, idx: StoreIndex): Promise<StoredImage | undefined> {
    let text: string;
    try {
      text = (await this.readBlob(id)).toString('utf8');
    } catch {
      return undefined;
    }
    const config = checkConfig(JSON.parse(text), `image ${id.slice(0, 12)}`);
    let size = 0;
    for (const d of config.rootfs.diff_ids) size += (await this.layers.info(d))?.size ?? 0;
    const manifests = manifestsOf(idx, id);
    const added = manifests.map((m) => idx.manifests[m].added).sort()[0] ?? '';
    return { id, names: tagsOf(idx, id), config, size, digests: repoDigestsOf(idx, id), manifests, added };
  }

  /**
   * `name@sha256:…`: the image pulled by that manifest digest (Docker Hub's implicit prefixes dropped),
   * or whose stored manifest has that digest.
   */
  private async findByDigest(ref: string, idx: StoreIndex): Promise<StoredImage | undefined> {
    const at = ref.lastIndexOf('@');
    const digest = ref.slice(at + 1);
    const repository = splitReference(normalizeReference(ref.slice(0, at))).repository;
    const wanted = `${repository}@${digest}`;
    for (const [d, m] of Object.entries(idx.manifests)) {
      if (m.repoDigests.includes(wanted) || (d === digest && tagsOf(idx, bare(m.config)).some((n) => splitReference(n).repository === repository))) {
        return this.load(bare(m.config), idx);
      }
    }
    return undefined;
  }

  async hasLayer(diffId: string): Promise<boolean> {
    return this.layers.has(diffId);
  }

  async list(): Promise<StoredImage[]> {
    const idx = await this.index();
    const out: StoredImage[] = [];
    for (const id of imageIds(idx)) {
      const img = await this.load(id, idx);
      if (img) out.push(img);
    }
    return out;
  }

  async ids(): Promise<string[]> {
    return imageIds(await this.index());
  }

  /** Name → image id, for callers that list names. */
  async repositories(): Promise<Record<string, string>> {
    const idx = await this.index();
    return Object.fromEntries(
      Object.entries(idx.tags)
        .filter(([, m]) => idx.manifests[m])
        .map(([n, m]) => [n, bare(idx.manifests[m].config)]),
    );
  }

  /** The stored manifest of an image (its first, when several), parsed, with its digest. */
  async manifestOf(id: string): Promise<{ digest: string; raw: Buffer; entry: ManifestEntry }> {
    const idx = await this.index();
    const digest = manifestsOf(idx, id)[0];
    if (!digest) throw new NotFoundError(`No such image: ${id.slice(0, 12)}.`);
    return { digest, raw: await this.readBlob(digest), entry: idx.manifests[digest] };
  }

  // ---- adding ------------------------------------------------------------------------------------

  /**
   * Extracts one downloaded layer blob (its verified file, or its bytes as they download: the caller
   * keeps the scratch only once the blob verified) into a scratch now, while the pull still downloads
   * the others (the layers are unpacked each into its own directory, so they need no order), and checks
   * it against the config's diff id. Nothing is placed: the scratch is handed to `addFetched` in
   * `prepared`, which places it under the lock with the image, all or nothing; the caller discards it
   * (`layers.discard`) if the pull fails. Undefined when the store already has the layer.
   */
  async extractFetchedLayer(input: string | Readable, i: number, diffId: string): Promise<string | undefined> {
    if (!/^sha256:[0-9a-f]{64}$/.test(diffId)) throw new UsageError(`The image is damaged: its config gives the invalid diff id "${truncate(diffId)}".`);
    const want = bare(diffId);
    if (await this.layers.has(want)) return undefined;
    const stream = typeof input === 'string' ? createReadStream(input, { highWaterMark: EXTRACT_CHUNK }) : input;
    const { diff, digest } = await this.layers.extract(stream).catch((err: Error) => {
      throw extractionError(err, i);
    });
    if (digest !== want) {
      await this.layers.discard(diff);
      throw new UsageError(`The image is damaged: its layer ${i + 1} does not match the diff id its config gives.`);
    }
    return diff;
  }

  /**
   * A registry image: its layers (verified blobs) extracted into scratch and checked against the
   * config's diff ids before anything is placed; the manifest, config and layer blobs are kept as they
   * came (so the id and digests are the registry's). All or nothing.
   */
  async addFetched(image: FetchedImage & { prepared?: Map<string, string> }): Promise<string> {
    const raw = image.config.toString('utf8');
    if (!Buffer.from(raw, 'utf8').equals(image.config)) throw new UsageError('The image config is not UTF-8 text.');
    let config: OciImageConfig;
    try {
      config = checkConfig(JSON.parse(raw), 'the image config');
    } catch (err) {
      throw new UsageError(`The image is damaged: ${String((err as Error).message).replace(/[.\s]+$/, '')}.`);
    }
    if (config.rootfs.diff_ids.length !== image.layers.length) {
      throw new UsageError(`The image is damaged: its manifest lists ${image.layers.length} layers but its config ${config.rootfs.diff_ids.length}.`);
    }
    const names = image.names.map(checkName);
    if (!/^sha256:[0-9a-f]{64}$/.test(image.manifestDigest)) throw new UsageError(`Invalid manifest digest "${truncate(image.manifestDigest)}".`);
    const repoDigest = `${splitReference(normalizeReference(image.repository)).repository}@${image.manifestDigest}`;
    // The image manifest: the one pulled, or the platform's one when the digest is an index's.
    const manifest = image.imageManifest ?? image.manifest;
    const blobDigests = layerBlobDigests(manifest);
    const blobs = new Map<string, string>();
    // A layer the store already had was not downloaded: there is no file, and its blob is packed when needed.
    image.layers.forEach((file, i) => {
      if (blobDigests?.[i] && existsSync(file)) blobs.set(blobDigests[i], file);
    });
    const extracted = new Map<string, string>();
    try {
      for (const [i, file] of image.layers.entries()) {
        const want = config.rootfs.diff_ids[i].slice(7);
        if (extracted.has(want)) continue;
        const early = image.prepared?.get(want);
        if (early) {
          extracted.set(want, early);
          continue;
        }
        if (await this.layers.has(want)) continue;
        const { diff, digest } = await this.layers.extract(createReadStream(file, { highWaterMark: EXTRACT_CHUNK })).catch((err: Error) => {
          throw extractionError(err, i);
        });
        extracted.set(want, diff);
        if (digest !== want) throw new UsageError(`The image is damaged: its layer ${i + 1} does not match the diff id its config gives.`);
      }
      return await this.withLock(() =>
        this.placeAndAdd(extracted, [{ config, names, raw: image.config, manifest: blobDigests ? manifest : undefined, blobs, repoDigest }]),
      );
    } finally {
      for (const diff of extracted.values()) await this.layers.discard(diff);
    }
  }

  /**
   * Places extracted layer scratches (diff id → scratch) and adds the images that use them, as one step
   * under the lock (call holding it). A failure removes what this call placed, so the store never keeps
   * a layer or blob that no image names. Returns the id of the last image.
   */
  async placeAndAdd(scratches: Map<string, string>, images: NewImage[]): Promise<string> {
    const index = await this.index();
    const before = { layers: await this.layers.list(), blobs: await this.blobList() };
    try {
      for (const [digest, diff] of scratches) await this.layers.place(diff, digest);
      let id = '';
      for (const image of images) id = await this.addToIndex(index, image);
      await this.writeIndex(index);
      return id;
    } catch (err) {
      const now = await this.readIndex().catch(() => index);
      const loose = unreferenced(now, { layers: await this.layers.list(), blobs: await this.blobList() });
      for (const l of loose.layers) if (!before.layers.includes(l)) await this.layers.remove(l);
      for (const b of loose.blobs) if (!before.blobs.includes(b)) await rm(this.blobPath(b), { force: true });
      throw err;
    }
  }

  /** Stores one image's blobs and enters it (and its names) in `index`; its layers must be placed. Returns the id. */
  async addToIndex(index: StoreIndex, image: NewImage): Promise<string> {
    for (const d of image.config.rootfs.diff_ids) {
      if (!(await this.layers.has(d))) throw new Error(`layer ${d} is not in the store`);
    }
    const configDigest = await this.writeBlob(image.raw ?? JSON.stringify(image.config));
    const id = bare(configDigest);
    for (const [digest, file] of image.blobs ?? []) await this.adoptBlob(digest, file);
    let manifest = image.manifest;
    if (!manifest) {
      const configSize = (await stat(this.blobPath(configDigest))).size;
      const layers = [];
      for (const [i, d] of image.config.rootfs.diff_ids.entries()) {
        const given = image.layerDescriptors?.[i];
        if (given) {
          layers.push({ mediaType: given.mediaType, digest: given.digest, size: given.size });
          continue;
        }
        const size = image.tarSizes?.get(bare(d)) ?? (await this.layers.tarInfo(this.layers.path(d))).size;
        layers.push({ mediaType: MEDIA_LAYER, digest: d, size });
      }
      manifest = Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_MANIFEST, config: { mediaType: MEDIA_CONFIG, digest: configDigest, size: configSize }, layers }),
      );
    }
    const manifestDigest = await this.writeBlob(manifest);
    const existing = index.manifests[manifestDigest];
    const repoDigests = new Set(existing?.repoDigests ?? []);
    if (image.repoDigest) repoDigests.add(image.repoDigest);
    index.manifests[manifestDigest] = {
      config: configDigest,
      layers: [...image.config.rootfs.diff_ids],
      blobs: layerBlobDigests(manifest) ?? [...image.config.rootfs.diff_ids],
      repoDigests: [...repoDigests].sort(),
      added: existing?.added ?? new Date().toISOString(),
    };
    for (const n of image.names) index.tags[checkName(n)] = manifestDigest;
    return id;
  }

  /** Stores a config (its layers must be present) and points `names` at it; call holding the lock. Returns the id. */
  async addImage(config: OciImageConfig, names: string[], raw?: string, tarSizes?: Map<string, number>): Promise<string> {
    return this.placeAndAdd(new Map(), [{ config, names, raw, tarSizes }]);
  }

  /** Docker's `tag SOURCE TARGET`: `target` now names the image `source` names (moved if it named another). */
  async tag(source: string, target: string): Promise<void> {
    const name = checkName(target);
    const image = await this.get(source);
    await this.withLock(async () => {
      const index = await this.index();
      const manifest = manifestsOf(index, image.id)[0];
      if (!manifest) throw new NotFoundError(`No such image: ${truncate(source)}.`);
      index.tags[name] = manifest;
      await this.writeIndex(index);
    });
  }

  /** Removes one name; returns whether it existed. Call holding the lock. */
  async untag(name: string): Promise<boolean> {
    const index = await this.index();
    const key = normalizeReference(name);
    if (!(key in index.tags)) return false;
    delete index.tags[key];
    await this.writeIndex(index);
    return true;
  }

  /** Deletes the image's names and manifests (its blobs and layers go at `gc`). Call holding the lock. Returns the names removed. */
  async deleteImage(id: string): Promise<string[]> {
    const index = await this.index();
    const names = dropImage(index, id);
    await this.writeIndex(index);
    return names;
  }

  /**
   * Removes the layers and blobs no image and no container (`inUse`, diff ids) refers to, and the
   * scratch of killed commands. Call holding the lock. Returns the layers removed.
   */
  async gc(inUse: Iterable<string>): Promise<string[]> {
    const index = await this.index();
    const loose = unreferenced(index, { layers: await this.layers.list(), blobs: await this.blobList() }, inUse);
    for (const l of loose.layers) await this.layers.remove(l);
    for (const b of loose.blobs) await rm(this.blobPath(b), { force: true });
    await this.layers.removeScratch();
    return loose.layers;
  }

  /** Kept for callers of the old name. */
  gcLayers(inUse: Iterable<string>): Promise<string[]> {
    return this.gc(inUse);
  }

  // ---- reading out -------------------------------------------------------------------------------

  /**
   * An image's config bytes and its layers as uncompressed layer tars (lowest first), for `push`
   * (core's contract): packed from the unpacked layers.
   */
  async exportImage(ref: string): Promise<{ id: string; config: Buffer; layers: Array<() => NodeJS.ReadableStream> }> {
    const image = await this.get(ref);
    const config = await this.readBlob(image.id);
    const { packDirectory } = require('../layer/tar-pack') as typeof import('../layer/tar-pack');
    const layers = image.config.rootfs.diff_ids.map((d) => {
      const dir = this.layers.path(d);
      return () => packDirectory(dir, { layer: true }) as NodeJS.ReadableStream;
    });
    return { id: image.id, config, layers };
  }

  /** Core's `storedManifest`: the manifest and blobs byte for byte, when every layer blob is kept. */
  async storedManifest(ref: string): Promise<StoredManifest | undefined> {
    const image = await this.get(ref);
    for (const digest of image.manifests) {
      const raw = await this.readBlob(digest);
      const m = JSON.parse(raw.toString('utf8')) as { mediaType?: string; layers?: Array<{ digest: string; size: number; mediaType?: string }> };
      if (!Array.isArray(m.layers)) continue;
      let complete = true;
      for (const l of m.layers) if (!(await this.hasBlob(l.digest))) complete = false;
      if (!complete) continue;
      return {
        digest,
        mediaType: m.mediaType ?? MEDIA_MANIFEST,
        manifest: raw,
        config: { digest: `sha256:${image.id}`, bytes: await this.readBlob(image.id) },
        layers: m.layers.map((l) => ({
          digest: l.digest,
          size: l.size,
          mediaType: l.mediaType ?? MEDIA_LAYER,
          file: this.blobPath(l.digest),
          open: () => createReadStream(this.blobPath(l.digest)),
        })),
      };
    }
    return undefined;
  }

  /**
   * The image's layer `i` as a blob to write out: the stored one (as pulled, loaded or imported) when
   * present, else the unpacked layer packed again (reproducible, so its digest is its diff id).
   */
  async layerBlob(image: StoredImage, i: number): Promise<{ digest?: string; mediaType: string; open: () => NodeJS.ReadableStream }> {
    const idx = await this.index();
    for (const m of image.manifests) {
      const entry = idx.manifests[m];
      const blob = entry?.blobs[i];
      if (blob && (await this.hasBlob(blob))) {
        const mediaType = layerMediaTypes(await this.readBlob(m))?.[i] ?? MEDIA_LAYER;
        return { digest: blob, mediaType, open: () => createReadStream(this.blobPath(blob)) };
      }
    }
    const { packDirectory } = require('../layer/tar-pack') as typeof import('../layer/tar-pack');
    const dir = this.layers.path(image.config.rootfs.diff_ids[i]);
    return { mediaType: MEDIA_LAYER, open: () => packDirectory(dir, { layer: true }) as NodeJS.ReadableStream };
  }
}

/** Layer blobs are read back in chunks of 1 MiB (the default 64 KiB costs a stream round per 64 KiB). */
const EXTRACT_CHUNK = 1 << 20;

function extractionError(err: Error, i: number): Error {
  return isNoSpace(err)
    ? err
    : new UsageError(
        `The image's layer ${i + 1} cannot be extracted: ${String(err.message)
          .split('\n')[0]
          .replace(/^TAR_[A-Z_]+: /, '')
          .replace(/[.\s]+$/, '')}.`,
      );
}

/** The layer digests an image manifest names; undefined when the bytes are not an image manifest. */
export function layerBlobDigests(manifest: Buffer): string[] | undefined {
  try {
    const m = JSON.parse(manifest.toString('utf8')) as { layers?: Array<{ digest?: unknown }> };
    if (!Array.isArray(m.layers)) return undefined;
    const out = m.layers.map((l) => l?.digest);
    return out.every((d): d is string => typeof d === 'string' && /^sha256:[0-9a-f]{64}$/.test(d)) ? out : undefined;
  } catch {
    return undefined;
  }
}

function layerMediaTypes(manifest: Buffer): string[] | undefined {
  try {
    const m = JSON.parse(manifest.toString('utf8')) as { layers?: Array<{ mediaType?: unknown }> };
    return m.layers?.map((l) => (typeof l?.mediaType === 'string' ? l.mediaType : MEDIA_LAYER));
  } catch {
    return undefined;
  }
}

/** sha256 of a file's bytes, streamed. */
export async function fileDigest(file: string): Promise<string> {
  const hash = newSha256();
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** A user-given image name, normalized; one sentence when it is not a valid reference. */
export function checkName(name: string): string {
  const n = normalizeReference(name);
  if (!isValidReference(n)) {
    throw new UsageError(`Invalid image name "${name}": use lowercase letters, digits and separators, with an optional :tag.`);
  }
  return n;
}
