import { UsageError } from '@mydocker/core';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { LocalImageStore, StoredImage } from './image-store';
import { checkName } from './image-store';
import { checkConfig, makeConfig, normalizeReference, sha256, type OciImageConfig } from './oci-config';
import { packDirectory } from './tar-pack';

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

async function tempDir(store: LocalImageStore, kind: string): Promise<string> {
  const dir = join(store.config.root, 'tmp', `${kind}-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  return dir;
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

/** `import FILE NAME`: a root filesystem tar (plain or gzip) becomes a one-layer image. */
export async function importRootfs(store: LocalImageStore, file: string, name: string | undefined, onBytes?: (n: number) => void): Promise<string> {
  await readSize(file, 'the archive');
  const names = name ? [checkName(name)] : [];
  const layer = await store.layers.addTar(createReadStream(file), onBytes).catch((err: Error) => {
    throw new UsageError(`Cannot import ${file}: ${err.message}.`);
  });
  const config = makeConfig({
    diffIds: [layer.digest],
    created: new Date().toISOString(),
    createdBy: `mydocker import ${file}`,
    // Like docker import there is no default command; a PATH lets `run IMAGE sh` find its shell.
    config: { Env: [PATH_ENV] },
  });
  return store.withLock(() => store.addImage(config, names));
}

interface LoadEntry {
  configPath: string;
  layerPaths: string[];
  names: string[];
}

/** Reads docker-save's manifest.json or, failing that, an OCI layout's index.json. */
async function readArchiveLayout(dir: string): Promise<LoadEntry[]> {
  const inside = (p: string) => {
    const clean = normalize(p).replace(/^\/+/, '');
    if (clean.startsWith('..')) throw new Error(`the archive names a path outside itself: ${p}`);
    return join(dir, clean);
  };
  const manifest = await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => undefined);
  if (manifest) {
    const entries = JSON.parse(manifest) as Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>;
    if (!Array.isArray(entries)) throw new Error('manifest.json is not a list');
    return entries.map((e) => ({ configPath: inside(e.Config), layerPaths: e.Layers.map(inside), names: e.RepoTags ?? [] }));
  }
  const indexText = await readFile(join(dir, 'index.json'), 'utf8').catch(() => undefined);
  if (!indexText) throw new Error('it has neither manifest.json (docker save) nor index.json (OCI layout)');
  const blob = (digest: string) => inside(join('blobs', ...digest.split(':')));
  const out: LoadEntry[] = [];
  type Descriptor = { mediaType?: string; digest: string; annotations?: Record<string, string> };
  const visit = async (descs: Descriptor[], inherited?: string): Promise<void> => {
    for (const d of descs) {
      const body = JSON.parse(await readFile(blob(d.digest), 'utf8')) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[]; mediaType?: string };
      const name = d.annotations?.['io.containerd.image.name'] ?? inherited ?? refName(d.annotations?.['org.opencontainers.image.ref.name']);
      if (body.manifests) await visit(body.manifests, name);
      else if (body.config && body.layers) {
        out.push({ configPath: blob(body.config.digest), layerPaths: body.layers.map((l) => blob(l.digest)), names: name ? [name] : [] });
      }
    }
  };
  await visit((JSON.parse(indexText) as { manifests: Descriptor[] }).manifests ?? []);
  return out;
}

/** Docker writes only the tag in ref.name; other tools write a full `name:tag`, which we keep. */
function refName(ref: string | undefined): string | undefined {
  return ref && ref.includes(':') ? ref : undefined;
}

/**
 * `load -i FILE`: a `docker save` archive or an OCI image layout, each layer checked against the
 * config's diff ids. Returns what was loaded (names, or ids for untagged images).
 */
export async function loadArchive(store: LocalImageStore, file: string, onBytes?: (n: number) => void): Promise<string[]> {
  await readSize(file, 'the archive');
  const dir = await tempDir(store, 'load');
  try {
    const tar = require('tar') as typeof import('tar');
    const input = createReadStream(file);
    if (onBytes) input.on('data', (c) => onBytes((c as Buffer).length));
    await pipeline(input, tar.x({ cwd: dir, preserveOwner: false }) as unknown as NodeJS.WritableStream).catch((err: Error) => {
      throw new UsageError(`Cannot read ${file} as a tar archive: ${err.message}.`);
    });
    let entries: LoadEntry[];
    try {
      entries = await readArchiveLayout(dir);
    } catch (err) {
      throw new UsageError(`${file} is not an image archive: ${(err as Error).message}.`);
    }
    const loaded: string[] = [];
    for (const entry of entries) {
      const raw = await readFile(entry.configPath, 'utf8').catch(() => {
        throw new UsageError(`${file} is damaged: the image config ${entry.configPath.slice(dir.length + 1)} is missing.`);
      });
      let config: OciImageConfig;
      try {
        config = checkConfig(JSON.parse(raw), 'the image config');
      } catch (err) {
        throw new UsageError(`${file} is damaged: ${(err as Error).message}.`);
      }
      if (config.rootfs.diff_ids.length !== entry.layerPaths.length) {
        throw new UsageError(`${file} is damaged: its manifest lists ${entry.layerPaths.length} layers but the config ${config.rootfs.diff_ids.length}.`);
      }
      for (const [i, path] of entry.layerPaths.entries()) {
        const want = config.rootfs.diff_ids[i].slice(7);
        if (await store.layers.has(want)) continue;
        const layer = await store.layers.addTar(createReadStream(path)).catch((err: Error) => {
          throw new UsageError(`${file} is damaged: layer ${i + 1} cannot be read (${err.message}).`);
        });
        if (layer.digest !== want) {
          await store.withLock(() => store.gcLayers([]));
          throw new UsageError(`${file} is damaged: layer ${i + 1} does not match the digest its config gives.`);
        }
      }
      const names = entry.names.map(checkName);
      const id = await store.withLock(() => store.addImage(config, names, raw));
      loaded.push(...(names.length ? names.map((n) => `Loaded image: ${n}`) : [`Loaded image ID: sha256:${id}`]));
    }
    return loaded;
  } finally {
    await rm(dir, { recursive: true, force: true });
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
  const dir = await tempDir(store, 'save');
  try {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    const writeBlob = async (data: string) => {
      const digest = sha256(data);
      await writeFile(join(dir, 'blobs', 'sha256', digest), data);
      return { digest: `sha256:${digest}`, size: Buffer.byteLength(data) };
    };
    const manifestJson: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
    const index: Array<Record<string, unknown>> = [];
    const layerBlobs = new Map<string, { digest: string; size: number }>();
    for (const { image, names } of images) {
      const diffIds: string[] = [];
      const layers: Array<{ digest: string; size: number }> = [];
      for (const d of image.config.rootfs.diff_ids) {
        let blob = layerBlobs.get(d);
        if (!blob) {
          const tmp = join(dir, 'blobs', 'sha256', `.tmp-${randomBytes(6).toString('hex')}`);
          const hash = createHash('sha256');
          let size = 0;
          const source = packDirectory(store.layers.path(d), { layer: true });
          source.on('data', (c: Buffer) => {
            hash.update(c);
            size += c.length;
          });
          await pipeline(source, createWriteStream(tmp));
          const digest = hash.digest('hex');
          const { rename } = require('node:fs/promises') as typeof import('node:fs/promises');
          await rename(tmp, join(dir, 'blobs', 'sha256', digest));
          blob = { digest: `sha256:${digest}`, size };
          layerBlobs.set(d, blob);
        }
        diffIds.push(blob.digest);
        layers.push(blob);
      }
      // A layer written again may differ in bytes from the tar it came from: the config follows what is written.
      const same = diffIds.every((d, i) => d === image.config.rootfs.diff_ids[i]);
      const raw = same ? await readFile(join(store.dir, image.id, 'config.json'), 'utf8') : JSON.stringify({ ...image.config, rootfs: { type: 'layers', diff_ids: diffIds } });
      const config = await writeBlob(raw);
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l })),
      });
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
    const tar = require('tar') as typeof import('tar');
    const tmpOut = `${output}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await tar.c({ cwd: dir, file: tmpOut, portable: true }, ['oci-layout', 'index.json', 'manifest.json', 'blobs']);
      const { rename } = require('node:fs/promises') as typeof import('node:fs/promises');
      await rename(tmpOut, output);
    } catch (err) {
      await rm(tmpOut, { force: true });
      throw new UsageError(`Cannot write ${output}: ${(err as Error).message}.`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
