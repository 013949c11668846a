import { scratchName } from '@mydocker/core';
import { DEFAULT_PATH_ENV, UsageError } from '@mydocker/core';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { LocalImageStore, StoredImage } from './image-store';
import { checkName, MEDIA_LAYER, MEDIA_LAYER_GZIP } from './image-store';
import { checkConfig, makeConfig, normalizeReference, sha256, type OciImageConfig } from './oci-config';
import { extractLayer } from '../layer/tar-extract';
import { printable } from '../layer/layer-root';
import { resolveInRoot, type Probe } from '@mydocker/core';
import { isNoSpace, noSpace } from '../util/no-space';

async function tempDir(store: LocalImageStore, kind: string): Promise<string> {
  const dir = join(store.config.root, 'tmp', scratchName(`${kind}-`));
  await mkdir(dir, { recursive: true });
  return dir;
}

async function isGzip(file: string): Promise<boolean> {
  const { open } = await import('node:fs/promises');
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    return head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function readSize(file: string, what: string): Promise<number> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error('not a file');
    return st.size;
  } catch {
    throw new UsageError(`Cannot read ${what} "${file}": it does not exist or is not a file.`);
  }
}

/** An error's message as the middle of a sentence (no trailing period, one line). */
function reason(err: unknown): string {
  const text = String((err as Error)?.message ?? err)
    .split('\n')[0]
    .replace(/^TAR_[A-Z_]+: /, '')
    .replace(/[.\s]+$/, '');
  return text === 'Unrecognized archive format' ? 'it is not a tar archive' : text;
}

/** `import FILE NAME`: a root filesystem tar (plain or gzip) becomes a one-layer image. */
export async function importRootfs(
  store: LocalImageStore,
  file: string,
  name: string | undefined,
  onBytes?: (n: number) => void,
  options: { changes?: string[]; message?: string } = {},
): Promise<string> {
  await readSize(file, 'the archive');
  const names = name ? [checkName(name)] : [];
  // The archive is copied first and everything is read from the copy, which is kept as the layer's blob
  // (as given, gzip or not): a save or push then writes it byte for byte.
  const dir = await tempDir(store, 'import');
  const staged = join(dir, 'layer');
  let diff: string | undefined;
  try {
    const blob = await store.stage(createReadStream(file), staged).catch((err: Error) => {
      throw isNoSpace(err) ? noSpace(store.config.root) : new UsageError(`Cannot import ${file}: ${reason(err)}.`);
    });
    const extracted = await store.layers.extract(createReadStream(staged), onBytes).catch((err: Error) => {
      throw isNoSpace(err) ? noSpace(store.config.root) : new UsageError(`Cannot import ${file}: ${reason(err)}.`);
    });
    diff = extracted.diff;
    const { applyChanges } = require('../commands/changes') as typeof import('../commands/changes');
    const config = makeConfig({
      diffIds: [extracted.digest],
      created: new Date().toISOString(),
      createdBy: `mydocker import ${file}`,
      comment: options.message,
      // Like docker import there is no default command; a PATH lets `run IMAGE sh` find its shell.
      config: applyChanges({ Env: [DEFAULT_PATH_ENV] }, options.changes ?? []),
    });
    const layer = { digest: blob.digest, size: blob.size, mediaType: (await isGzip(staged)) ? MEDIA_LAYER_GZIP : MEDIA_LAYER };
    const scratches = new Map([[extracted.digest, extracted.diff]]);
    return await store.withLock(() => store.placeAndAdd(scratches, [{ config, names, blobs: new Map([[blob.digest, staged]]), layerDescriptors: [layer] }]));
  } catch (err) {
    throw isNoSpace(err) ? noSpace(store.config.root) : err;
  } finally {
    if (diff) await store.layers.discard(diff);
    await rm(dir, { recursive: true, force: true });
  }
}

interface LoadEntry {
  configPath: string;
  layerPaths: string[];
  names: string[];
}

/**
 * A file of the extracted archive, opened read-only. Symlinks the archive holds (docker's legacy
 * format links repeated layers) are resolved with the archive's directory as "/", so no name in it can
 * make us read a host file; the final open is O_NOFOLLOW.
 */
function openInside(dir: string, rel: string): number {
  const probe = (components: string[]): Probe => {
    try {
      const path = join(dir, ...components);
      const st = lstatSync(path);
      return st.isSymbolicLink() ? { kind: 'symlink', target: readlinkSync(path) } : { kind: 'other' };
    } catch {
      return { kind: 'missing' };
    }
  };
  const resolved = resolveInRoot(rel, probe, true);
  if (!resolved.exists) throw new Error(`${rel} is missing`);
  const fd = openSync(join(dir, ...resolved.components), constants.O_RDONLY | constants.O_NOFOLLOW);
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new Error(`${rel} is not a file`);
  }
  return fd;
}

function readInside(dir: string, rel: string): string {
  const fd = openInside(dir, rel);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function insidePath(p: unknown): string {
  if (typeof p !== 'string' || p === '') throw new Error('the manifest names a file with an empty or non-text path');
  const clean = posix.normalize(`/${p}`).slice(1);
  if (p.split('/').includes('..')) throw new Error(`the archive names a path outside itself: ${JSON.stringify(p)}`);
  return clean;
}

/** Reads docker-save's manifest.json or, failing that, an OCI layout's index.json. Paths are relative to `dir`. */
function readArchiveLayout(dir: string): LoadEntry[] {
  const tryRead = (rel: string) => {
    try {
      return readInside(dir, rel);
    } catch {
      return undefined;
    }
  };
  const manifest = tryRead('manifest.json');
  if (manifest) {
    const entries = JSON.parse(manifest) as unknown;
    if (!Array.isArray(entries)) throw new Error('manifest.json is not a list');
    return entries.map((e: { Config?: unknown; RepoTags?: unknown; Layers?: unknown }) => {
      if (!e || typeof e !== 'object' || !Array.isArray(e.Layers)) throw new Error('manifest.json has an entry without a list of Layers');
      if (e.RepoTags != null && !(Array.isArray(e.RepoTags) && e.RepoTags.every((t) => typeof t === 'string')))
        throw new Error('manifest.json has RepoTags that are not a list of names');
      return { configPath: insidePath(e.Config), layerPaths: e.Layers.map(insidePath), names: (e.RepoTags as string[] | null) ?? [] };
    });
  }
  const indexText = tryRead('index.json');
  if (!indexText) throw new Error('it has neither manifest.json (docker save) nor index.json (OCI layout)');
  const blob = (digest: unknown) => {
    if (typeof digest !== 'string' || !/^[a-z0-9]+:[a-f0-9]+$/.test(digest)) throw new Error(`it names a blob by the invalid digest ${JSON.stringify(digest)}`);
    return insidePath(posix.join('blobs', ...digest.split(':')));
  };
  const out: LoadEntry[] = [];
  type Descriptor = { mediaType?: string; digest: string; annotations?: Record<string, string> };
  const visit = (descs: Descriptor[], depth: number, inherited?: string): void => {
    if (!Array.isArray(descs) || depth > 8) throw new Error('its index.json is not a list of manifests');
    for (const d of descs) {
      const text = tryRead(blob(d?.digest));
      if (text === undefined) throw new Error(`the blob ${d.digest} it names is missing`);
      const body = JSON.parse(text) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[]; mediaType?: string };
      const name = d.annotations?.['io.containerd.image.name'] ?? inherited ?? refName(d.annotations?.['org.opencontainers.image.ref.name']);
      if (body.manifests) visit(body.manifests, depth + 1, name);
      else if (body.config && Array.isArray(body.layers)) {
        out.push({ configPath: blob(body.config.digest), layerPaths: body.layers.map((l) => blob(l?.digest)), names: name ? [name] : [] });
      }
    }
  };
  visit((JSON.parse(indexText) as { manifests: Descriptor[] }).manifests ?? [], 0);
  return out;
}

/** Docker writes only the tag in ref.name; other tools write a full `name:tag`, which we keep. */
function refName(ref: string | undefined): string | undefined {
  return ref && ref.includes(':') ? ref : undefined;
}

interface LoadPlan {
  config: OciImageConfig;
  raw: string;
  names: string[];
  layerPaths: string[];
}

/** One image of a load archive, checked (config, layer count, names, that each layer is there) before anything is extracted. */
function planLoad(dir: string, file: string, entry: LoadEntry): LoadPlan {
  let raw: string;
  try {
    raw = readInside(dir, entry.configPath);
  } catch {
    throw new UsageError(`${file} is damaged: the image config ${entry.configPath} is missing.`);
  }
  let config: OciImageConfig;
  try {
    config = checkConfig(JSON.parse(raw), 'the image config');
  } catch (err) {
    throw new UsageError(`${file} is damaged: ${reason(err)}.`);
  }
  if (config.rootfs.diff_ids.length !== entry.layerPaths.length) {
    throw new UsageError(`${file} is damaged: its manifest lists ${entry.layerPaths.length} layers but the config ${config.rootfs.diff_ids.length}.`);
  }
  const names = entry.names.map((n) => {
    try {
      return checkName(n);
    } catch {
      throw new UsageError(`${file} names its image with the invalid repository tag "${printable(n)}": nothing was loaded.`);
    }
  });
  for (const [i, path] of entry.layerPaths.entries()) {
    try {
      closeSync(openInside(dir, path));
    } catch {
      throw new UsageError(`${file} is damaged: layer ${i + 1} (${printable(path)}) is missing from the archive.`);
    }
  }
  return { config, raw, names, layerPaths: entry.layerPaths };
}

/**
 * Each layer the store lacks, copied out of the archive (through the confined open) and extracted from
 * the copy, which is kept as the layer's blob: a save then writes the same bytes, and the id stays.
 * `extracted` (diff id → scratch) is filled as it goes, so that the caller discards them on failure.
 */
async function extractLoadLayers(store: LocalImageStore, dir: string, file: string, plans: LoadPlan[], extracted: Map<string, string>) {
  const blobs = new Map<string, string>();
  const kept = new Map<string, { digest: string; size: number; mediaType: string }>();
  let n = 0;
  for (const plan of plans) {
    for (const [i, path] of plan.layerPaths.entries()) {
      const want = plan.config.rootfs.diff_ids[i].slice(7);
      if (extracted.has(want) || (await store.layers.has(want))) continue;
      const staged = join(dir, `.layer-${n++}`);
      const blob = await store.stage(createReadStream('', { fd: openInside(dir, path) }), staged).catch((err: Error) => {
        throw isNoSpace(err) ? noSpace(store.config.root) : new UsageError(`${file} is damaged: layer ${i + 1} cannot be read (${reason(err)}).`);
      });
      const { diff, digest } = await store.layers.extract(createReadStream(staged)).catch((err: Error) => {
        throw isNoSpace(err) ? noSpace(store.config.root) : new UsageError(`${file} is damaged: layer ${i + 1} cannot be extracted (${reason(err)}).`);
      });
      extracted.set(want, diff);
      if (digest !== want) throw new UsageError(`${file} is damaged: layer ${i + 1} does not match the digest its config gives.`);
      blobs.set(blob.digest, staged);
      kept.set(want, { ...blob, mediaType: (await isGzip(staged)) ? MEDIA_LAYER_GZIP : MEDIA_LAYER });
    }
  }
  return { blobs, kept };
}

/**
 * `load -i FILE`: a `docker save` archive or an OCI image layout, each layer checked against the
 * config's diff ids. Everything the archive says (names, configs, that each layer is there) is checked
 * before any layer is extracted; layers are extracted into scratch and placed, with the images, under
 * the image lock at the end, so a failure or a kill leaves no layer and no half image (a killed
 * load's scratch is removed by `system prune`). Returns what was loaded.
 */
export async function loadArchive(store: LocalImageStore, file: string, onBytes?: (n: number) => void): Promise<string[]> {
  await readSize(file, 'the archive');
  const dir = await tempDir(store, 'load');
  const extracted = new Map<string, string>();
  try {
    try {
      await extractLayer(createReadStream(file), dir, { layer: false, onBytes });
    } catch (err) {
      if (isNoSpace(err)) throw noSpace(store.config.root);
      throw new UsageError(`Cannot read ${file} as an image archive: ${reason(err)}.`);
    }
    let entries: LoadEntry[];
    try {
      entries = readArchiveLayout(dir);
    } catch (err) {
      throw new UsageError(`${file} is not an image archive: ${reason(err)}.`);
    }
    const plans = entries.map((entry) => planLoad(dir, file, entry));
    const { blobs, kept } = await extractLoadLayers(store, dir, file, plans, extracted);
    const images = plans.map((p) => {
      const descriptors = p.config.rootfs.diff_ids.map((d) => kept.get(d.slice(7)));
      const own = new Map([...blobs].filter(([digest]) => descriptors.some((l) => l?.digest === digest)));
      return {
        config: p.config,
        names: p.names,
        raw: p.raw,
        blobs: own,
        layerDescriptors: descriptors.every(Boolean) ? (descriptors as Array<{ digest: string; size: number; mediaType: string }>) : undefined,
      };
    });
    await store.withLock(() => store.placeAndAdd(extracted, images));
    const loaded: string[] = [];
    for (const plan of plans) {
      const id = sha256(plan.raw);
      loaded.push(...(plan.names.length ? plan.names.map((n) => `Loaded image: ${n}`) : [`Loaded image ID: sha256:${id}`]));
    }
    return loaded;
  } catch (err) {
    throw isNoSpace(err) ? noSpace(store.config.root) : err;
  } finally {
    for (const diff of extracted.values()) await store.layers.discard(diff);
    await rm(dir, { recursive: true, force: true });
  }
}

type SavedLayer = { digest: string; size: number; mediaType: string; matches: boolean };

/**
 * Layer `i` of `image` (diff id `diffId`) as a blob of the save layout in `dir`: the blob kept when the
 * layer came in (pulled, loaded, imported), else the layer packed again; hashed as it is written.
 */
async function copyLayerBlob(store: LocalImageStore, image: StoredImage, i: number, diffId: string, dir: string): Promise<SavedLayer> {
  const source = await store.layerBlob(image, i);
  const tmp = join(dir, 'blobs', 'sha256', `.tmp-${randomBytes(6).toString('hex')}`);
  const hash = createHash('sha256');
  let size = 0;
  const stream = source.open();
  stream.on('data', (c: Buffer) => {
    hash.update(c);
    size += c.length;
  });
  await pipeline(stream, createWriteStream(tmp));
  const digest = `sha256:${hash.digest('hex')}`;
  if (source.digest && digest !== source.digest)
    throw new UsageError(`The stored layer blob ${source.digest.slice(7, 19)} is damaged: remove the image and pull or load it again.`);
  const { rename } = require('node:fs/promises') as typeof import('node:fs/promises');
  await rename(tmp, join(dir, 'blobs', 'sha256', digest.slice(7)));
  // A kept blob is the layer the config names; a packed one only when it gives the same bytes.
  return { digest, size, mediaType: source.mediaType, matches: !!source.digest || digest === diffId };
}

/** The save layout in `dir` as a tar at `output`, which appears whole or not at all. */
async function packSaveArchive(dir: string, output: string): Promise<void> {
  const tar = require('tar') as typeof import('tar');
  const tmpOut = `${output}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await tar.c({ cwd: dir, file: tmpOut, portable: true }, ['oci-layout', 'index.json', 'manifest.json', 'blobs']);
    const { rename } = require('node:fs/promises') as typeof import('node:fs/promises');
    await rename(tmpOut, output);
  } catch (err) {
    await rm(tmpOut, { force: true });
    if (isNoSpace(err)) throw noSpace(dirname(output));
    throw new UsageError(`Cannot write ${output}: ${reason(err)}.`);
  }
}

/**
 * `save -o FILE IMAGE...`: an OCI image layout that also carries docker-save's manifest.json, as
 * Docker 25+ writes it, so both `docker load` and `mydocker load` read it.
 */
export async function saveImages(store: LocalImageStore, refs: string[], output: string): Promise<void> {
  const images: Array<{ image: StoredImage; names: string[] }> = [];
  for (const ref of refs) {
    const image = await store.get(ref);
    const wanted = /^(sha256:)?[0-9a-f]+$/.test(ref) && !(await store.repositories())[normalizeReference(ref)] ? image.names : [normalizeReference(ref)];
    const existing = images.find((i) => i.image.id === image.id);
    if (existing) existing.names.push(...wanted.filter((n) => !existing.names.includes(n)));
    else images.push({ image, names: [...wanted] });
  }
  let scratch: string | undefined;
  try {
    const dir = await tempDir(store, 'save');
    scratch = dir;
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    const writeBlob = async (data: string) => {
      const digest = sha256(data);
      await writeFile(join(dir, 'blobs', 'sha256', digest), data);
      return { digest: `sha256:${digest}`, size: Buffer.byteLength(data) };
    };
    const manifestJson: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
    const index: Array<Record<string, unknown>> = [];
    const layerBlobs = new Map<string, SavedLayer>();
    for (const { image, names } of images) {
      const layers: SavedLayer[] = [];
      for (const [i, d] of image.config.rootfs.diff_ids.entries()) {
        let blob = layerBlobs.get(d);
        if (!blob) {
          blob = await copyLayerBlob(store, image, i, d, dir);
          layerBlobs.set(d, blob);
        }
        layers.push(blob);
      }
      // A layer written again may differ in bytes from the tar it came from: the config then follows what is written.
      const same = layers.every((l) => l.matches);
      const raw = same
        ? (await store.readBlob(image.id)).toString('utf8')
        : JSON.stringify({ ...image.config, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } });
      const config = await writeBlob(raw);
      let manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      });
      // The stored manifest, byte for byte, when it names exactly these blobs: the image keeps its digest.
      const stored = await store.manifestOf(image.id).catch(() => undefined);
      if (stored && same) {
        const parsed = JSON.parse(stored.raw.toString('utf8')) as { config?: { digest?: string }; layers?: Array<{ digest?: string }> };
        if (parsed.config?.digest === config.digest && JSON.stringify(parsed.layers?.map((l) => l.digest)) === JSON.stringify(layers.map((l) => l.digest)))
          manifest = stored.raw.toString('utf8');
      }
      const m = await writeBlob(manifest);
      const tagged = names.length ? names : [undefined];
      for (const n of tagged) {
        index.push({
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...m,
          ...(n ? { annotations: { 'io.containerd.image.name': n, 'org.opencontainers.image.ref.name': n.slice(n.lastIndexOf(':') + 1) } } : {}),
        });
      }
      manifestJson.push({ Config: `blobs/sha256/${config.digest.slice(7)}`, RepoTags: names, Layers: layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) });
    }
    await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: index }));
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifestJson));
    await packSaveArchive(dir, output);
  } catch (err) {
    throw isNoSpace(err) ? noSpace(store.config.root) : err;
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}
