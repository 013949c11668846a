import { NotFoundError, truncate, UsageError, withFileLock, type EngineConfig, type FetchedImage, type ImageStore, type ResolvedImage } from '@mydocker/core';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LayerStore } from './layer-store';
import { checkConfig, isValidReference, normalizeReference, sha256, splitReference, toImageConfig, type OciImageConfig } from './oci-config';
import { isNoSpace } from '../util/no-space';

export interface StoredImage {
  id: string;
  /** Normalized `repository:tag` names pointing at it. */
  names: string[];
  config: OciImageConfig;
  /** Bytes of all its layers. */
  size: number;
  /** `repository@sha256:…` of the manifests it was pulled by. */
  digests: string[];
}

export const DEFAULT_IMAGE = 'busybox:latest';

/**
 * Images under `<root>/images/<id>/config.json` (the exact bytes whose sha256 is the id) and the
 * name → id table `<root>/images/repositories.json`. Changes take a lock under the run root; readers
 * see either the old or the new table (atomic rename).
 */
export class LocalImageStore implements ImageStore {
  readonly dir: string;
  readonly layers: LayerStore;
  private readonly lockPath: string;

  constructor(readonly config: EngineConfig) {
    this.dir = join(config.root, 'images');
    this.layers = new LayerStore(config.root);
    this.lockPath = join(config.runRoot, 'storage', 'images.lock');
  }

  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.lockPath, fn, { staleMs: 30_000, busyMessage: 'The image store is busy: another mydocker command holds its lock.' });
  }

  async resolve(ref: string): Promise<ResolvedImage> {
    let found = await this.find(ref);
    if (!found && this.isDefault(ref)) {
      const { buildBusyboxImage } = await import('./busybox');
      await buildBusyboxImage(this);
      found = await this.find(ref);
    }
    if (!found) throw new NotFoundError(`Unable to find image '${truncate(ref)}' locally: load it with \`mydocker load\` or \`mydocker import\` first.`);
    const layers: string[] = [];
    for (const d of found.config.rootfs.diff_ids) {
      if (!(await this.layers.has(d))) throw new NotFoundError(`Image '${ref}' is damaged: its layer ${d.slice(7, 19)} is missing; remove it and load it again.`);
      layers.push(this.layers.path(d));
    }
    return { id: found.id, name: found.names[0] ?? found.id, config: toImageConfig(found.config), layers };
  }

  isDefault(ref: string): boolean {
    const wanted = normalizeReference(this.config.defaultImage);
    return wanted === DEFAULT_IMAGE && normalizeReference(ref) === DEFAULT_IMAGE;
  }

  /** By name, full id, `sha256:` id or unique id prefix; undefined when unknown. */
  async find(ref: string): Promise<StoredImage | undefined> {
    const repos = await this.repositories();
    const name = normalizeReference(ref);
    const byName = repos[name];
    if (byName) return this.load(byName, repos);
    if (ref.includes('@')) return this.findByDigest(ref, repos);
    const hex = ref.replace(/^sha256:/, '');
    if (!/^[0-9a-f]{1,64}$/.test(hex)) return undefined;
    const ids = (await this.ids()).filter((id) => id.startsWith(hex));
    if (ids.length > 1) throw new UsageError(`The image id prefix '${ref}' is ambiguous: give more characters.`);
    return ids.length === 1 ? this.load(ids[0], repos) : undefined;
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

  private async load(id: string, repos: Record<string, string>): Promise<StoredImage | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.dir, id, 'config.json'), 'utf8');
    } catch {
      return undefined;
    }
    const config = checkConfig(JSON.parse(text), `image ${id.slice(0, 12)}`);
    let size = 0;
    for (const d of config.rootfs.diff_ids) size += (await this.layers.info(d))?.size ?? 0;
    return { id, names: Object.keys(repos).filter((n) => repos[n] === id).sort(), config, size, digests: await this.repoDigests(id) };
  }

  private async repoDigests(id: string): Promise<string[]> {
    try {
      const list = JSON.parse(await readFile(join(this.dir, id, 'repo-digests.json'), 'utf8')) as unknown;
      return Array.isArray(list) ? list.filter((d): d is string => typeof d === 'string') : [];
    } catch {
      return [];
    }
  }

  /** `name@sha256:…`: the image pulled by that manifest digest (Docker Hub's implicit prefixes dropped). */
  private async findByDigest(ref: string, repos: Record<string, string>): Promise<StoredImage | undefined> {
    const at = ref.lastIndexOf('@');
    const wanted = `${splitReference(normalizeReference(ref.slice(0, at))).repository}${ref.slice(at)}`;
    for (const id of await this.ids()) if ((await this.repoDigests(id)).includes(wanted)) return this.load(id, repos);
    return undefined;
  }

  async hasLayer(diffId: string): Promise<boolean> {
    return this.layers.has(diffId);
  }

  /**
   * A registry image: its layers (verified blobs) extracted into scratch and checked against the
   * config's diff ids before anything is placed; the config's bytes are kept (so the id is the
   * registry's) and the manifest digest is recorded. All or nothing, as `load`.
   */
  async addFetched(image: FetchedImage): Promise<string> {
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
    const extracted = new Map<string, string>();
    try {
      for (const [i, file] of image.layers.entries()) {
        const want = config.rootfs.diff_ids[i].slice(7);
        if (extracted.has(want) || (await this.layers.has(want))) continue;
        const { diff, digest } = await this.layers.extract(createReadStream(file)).catch((err: Error) => {
          throw isNoSpace(err) ? err : new UsageError(`The image's layer ${i + 1} cannot be extracted: ${String(err.message).split('\n')[0].replace(/^TAR_[A-Z_]+: /, '').replace(/[.\s]+$/, '')}.`);
        });
        extracted.set(want, diff);
        if (digest !== want) throw new UsageError(`The image is damaged: its layer ${i + 1} does not match the diff id its config gives.`);
      }
      return await this.withLock(async () => {
        const id = await this.placeAndAdd(extracted, [{ config, names, raw }]);
        const digests = await this.repoDigests(id);
        if (!digests.includes(repoDigest)) {
          const writeFileAtomic = require('write-file-atomic') as typeof import('write-file-atomic');
          await writeFileAtomic(join(this.dir, id, 'repo-digests.json'), JSON.stringify([...digests, repoDigest]));
        }
        return id;
      });
    } finally {
      for (const diff of extracted.values()) await this.layers.discard(diff);
    }
  }

  async exportImage(ref: string): Promise<{ id: string; config: Buffer; layers: Array<() => NodeJS.ReadableStream> }> {
    const image = await this.get(ref);
    const config = await readFile(join(this.dir, image.id, 'config.json'));
    const { packDirectory } = require('./tar-pack') as typeof import('./tar-pack');
    const layers = image.config.rootfs.diff_ids.map((d) => {
      const dir = this.layers.path(d);
      return () => packDirectory(dir, { layer: true }) as NodeJS.ReadableStream;
    });
    return { id: image.id, config, layers };
  }

  /** Docker's `tag SOURCE TARGET`: `target` now names the image `source` names (moved if it named another). */
  async tag(source: string, target: string): Promise<void> {
    const name = checkName(target);
    const image = await this.get(source);
    await this.withLock(async () => {
      if (!(await this.find(image.id))) throw new NotFoundError(`No such image: ${truncate(source)}.`);
      const repos = await this.repositories();
      repos[name] = image.id;
      await this.writeRepositories(repos);
    });
  }

  async ids(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => /^[0-9a-f]{64}$/.test(n));
    } catch {
      return [];
    }
  }

  async list(): Promise<StoredImage[]> {
    const repos = await this.repositories();
    const out: StoredImage[] = [];
    for (const id of await this.ids()) {
      const img = await this.load(id, repos);
      if (img) out.push(img);
    }
    return out;
  }

  async repositories(): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(join(this.dir, 'repositories.json'), 'utf8')) as Record<string, string>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
  }

  private async writeRepositories(repos: Record<string, string>): Promise<void> {
    const writeFileAtomic = require('write-file-atomic') as typeof import('write-file-atomic');
    await mkdir(this.dir, { recursive: true });
    const sorted = Object.fromEntries(Object.entries(repos).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    await writeFileAtomic(join(this.dir, 'repositories.json'), `${JSON.stringify(sorted, null, 2)}\n`);
  }

  /** Stores a config (its layers must be present) and points `names` at it; call holding the lock. Returns the id. */
  async addImage(config: OciImageConfig, names: string[], raw?: string): Promise<string> {
    for (const d of config.rootfs.diff_ids) {
      if (!(await this.layers.has(d))) throw new Error(`layer ${d} is not in the store`);
    }
    // Loaded images keep their config's exact bytes, so their id is the one Docker shows.
    const bytes = raw ?? JSON.stringify(config);
    const id = sha256(bytes);
    const writeFileAtomic = require('write-file-atomic') as typeof import('write-file-atomic');
    await mkdir(join(this.dir, id), { recursive: true });
    await writeFileAtomic(join(this.dir, id, 'config.json'), bytes);
    if (names.length > 0) {
      const repos = await this.repositories();
      for (const n of names) repos[checkName(n)] = id;
      await this.writeRepositories(repos);
    }
    return id;
  }

  /**
   * Places extracted layer scratches (digest → scratch) and adds the images that use them, as one
   * step under the lock (call holding it). A failure removes the layers this call placed, so the store
   * never keeps a layer that no image names. Returns the id of the last image.
   */
  async placeAndAdd(scratches: Map<string, string>, images: Array<{ config: OciImageConfig; names: string[]; raw?: string }>): Promise<string> {
    const placed: string[] = [];
    try {
      for (const [digest, diff] of scratches) {
        if (!(await this.layers.has(digest))) placed.push(digest);
        await this.layers.place(diff, digest);
      }
      let id = '';
      for (const image of images) id = await this.addImage(image.config, image.names, image.raw);
      return id;
    } catch (err) {
      const used = new Set<string>();
      for (const img of await this.list().catch(() => [])) for (const d of img.config.rootfs.diff_ids) used.add(d.slice(7));
      for (const digest of placed) if (!used.has(digest)) await this.layers.remove(digest);
      throw err;
    }
  }

  /** Removes one name; returns whether it existed. Call holding the lock. */
  async untag(name: string): Promise<boolean> {
    const repos = await this.repositories();
    const key = normalizeReference(name);
    if (!(key in repos)) return false;
    delete repos[key];
    await this.writeRepositories(repos);
    return true;
  }

  /** Deletes the image's names and config (its layers stay until `gcLayers`). Call holding the lock. */
  async deleteImage(id: string): Promise<void> {
    const repos = await this.repositories();
    let changed = false;
    for (const [n, v] of Object.entries(repos)) {
      if (v === id) {
        delete repos[n];
        changed = true;
      }
    }
    if (changed) await this.writeRepositories(repos);
    await rm(join(this.dir, id), { recursive: true, force: true });
  }

  /** Removes layers no image and no container (`inUse`, digests) refers to. Call holding the lock. */
  async gcLayers(inUse: Iterable<string>): Promise<string[]> {
    const keep = new Set([...inUse].map((d) => d.replace(/^sha256:/, '')));
    for (const img of await this.list()) for (const d of img.config.rootfs.diff_ids) keep.add(d.slice(7));
    const removed: string[] = [];
    for (const digest of await this.layers.list()) {
      if (keep.has(digest)) continue;
      await this.layers.remove(digest);
      removed.push(digest);
    }
    await this.layers.removeScratch();
    return removed;
  }
}

/** A user-given image name, normalized; one sentence when it is not a valid reference. */
export function checkName(name: string): string {
  const n = normalizeReference(name);
  if (!isValidReference(n)) {
    throw new UsageError(`Invalid image name "${name}": use lowercase letters, digits and separators, with an optional :tag.`);
  }
  return n;
}
