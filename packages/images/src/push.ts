import { scratchName } from '@mydocker/core';
import { UsageError, type EngineConfig, type ImageStore, type StoredManifest } from '@mydocker/core';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { mountSource, readBlobSources, recordBlobSources } from './blob-sources';
import { credentialsFor } from './credentials';
import { insecureRegistries } from './pull';
import { familiarName, parseReference, storeName, withDefaultTag } from './reference';
import { PushClient } from './push-client';
import { MEDIA, type Credentials } from './registry-client';

/**
 * Blobs over this size go up in chunks of it (PATCH with Content-Range), smaller ones in one PUT:
 * `pluginOptions.images.pushChunkSize` in bytes, 16 MiB by default (a registry behind a proxy that
 * caps request bodies needs it smaller).
 */
export function pushChunkSize(config: EngineConfig): number {
  const v = (config.pluginOptions?.images as { pushChunkSize?: unknown } | undefined)?.pushChunkSize;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 64 * 1024 ? v : 16 << 20;
}

interface Blob {
  digest: string;
  size: number;
  file?: string;
  bytes?: Buffer;
}

/** Hashes what passes through. */
function hasher(): { stream: Transform; digest: () => string; size: () => number } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, digest: () => `sha256:${hash.digest('hex')}`, size: () => size };
}

/**
 * `push REF`: the image's blobs (kept as they came, or packed now), then for each blob a HEAD, and an
 * upload (or a cross-repository mount) only when the registry lacks it; the manifest last, so a failed
 * push never leaves a tag pointing at missing blobs.
 */
export async function push(
  images: ImageStore,
  config: EngineConfig,
  input: string,
  out: NodeJS.WritableStream,
  quiet = false,
  /** Credentials for this one push instead of the stored ones, never saved (the Engine API's X-Registry-Auth). */
  given?: Credentials,
): Promise<string> {
  const ref = withDefaultTag(parseReference(input));
  if (ref.digest) throw new UsageError(`Cannot push "${input}": push a tag, not a digest.`);
  const say = (line: string) => {
    if (!quiet) out.write(`${line}\n`);
  };
  // An image kept with its manifest and blobs (pulled, loaded) goes up byte for byte, so it keeps its
  // digest; one made here (commit, import) has its layers packed and gzipped below. An unknown image is
  // "No such image" before any request.
  const stored = images.storedManifest ? await images.storedManifest(storeName(ref)!) : undefined;
  const client = new PushClient(ref, {
    insecure: insecureRegistries(config),
    certsDir: config.certsDir,
    credentials: given ?? (await credentialsFor(ref.domain)),
  });
  say(`The push refers to repository [${ref.domain === 'docker.io' ? 'docker.io/' : ''}${familiarName(ref)}]`);
  await client.ping();
  const dir = join(config.root, 'tmp', scratchName('push-'));
  try {
    const { layers, configBlob, manifest, mediaType } = stored ? storedPlan(stored) : await packedPlan(images, storeName(ref)!, dir);
    const sources = await readBlobSources(config.root);
    const chunkSize = pushChunkSize(config);
    for (const blob of [...layers, configBlob]) {
      const short = blob.digest.slice(7, 19);
      if (await client.hasBlob(blob.digest)) {
        say(`${short}: Layer already exists`);
        continue;
      }
      const from = mountSource(sources, blob.digest, ref.domain, ref.path);
      let location: URL | undefined;
      if (from) {
        const mount = await client.mountBlob(blob.digest, from);
        if (mount.mounted) {
          say(`${short}: Mounted from ${from}`);
          continue;
        }
        location = mount.location;
      }
      await client.uploadBlob(blob, chunkSize, location);
      say(`${short}: Pushed`);
    }
    await client.putManifest(ref.tag!, mediaType, manifest);
    // A later push to another repository of this registry can mount these blobs instead of sending them.
    await recordBlobSources(
      config.root,
      `${ref.domain}/${ref.path}`,
      [...layers, configBlob].map((b) => b.digest),
    ).catch(() => undefined);
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    say(`${ref.tag}: digest: ${digest} size: ${manifest.length}`);
    if (quiet) out.write(`${familiarName(ref)}:${ref.tag}\n`);
    return digest;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface PushPlan {
  layers: Blob[];
  configBlob: Blob;
  manifest: Buffer;
  mediaType: string;
}

/** The stored manifest, its config and its layer blobs, exactly as kept. */
function storedPlan(stored: StoredManifest): PushPlan {
  return {
    layers: stored.layers.map((l) => ({ digest: l.digest, size: l.size, file: l.file })),
    configBlob: { digest: stored.config.digest, size: stored.config.bytes.length, bytes: stored.config.bytes },
    manifest: stored.manifest,
    mediaType: stored.mediaType,
  };
}

/** Each layer packed from the store and gzipped into a scratch file (its digests taken as it is written), and an OCI manifest for them. */
async function packedPlan(images: ImageStore, name: string, dir: string): Promise<PushPlan> {
  if (!images.exportImage) throw new UsageError('The installed image store cannot export images: update @mydocker/images.');
  const image = await images.exportImage(name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const layers: Blob[] = [];
  const diffIds: string[] = [];
  for (const [i, tar] of image.layers.entries()) {
    const file = join(dir, `layer-${i}.tar.gz`);
    const plain = hasher();
    const packed = hasher();
    await pipeline(tar() as Readable, plain.stream, createGzip(), packed.stream, createWriteStream(file, { mode: 0o600 }));
    diffIds.push(plain.digest());
    layers.push({ digest: packed.digest(), size: packed.size(), file });
  }
  const parsed = JSON.parse(image.config.toString('utf8')) as { rootfs: { diff_ids: string[] } };
  // The layers packed again may differ in bytes from the tars the image came from: the config must name what is pushed.
  const same = diffIds.length === parsed.rootfs.diff_ids.length && diffIds.every((d, i) => d === parsed.rootfs.diff_ids[i]);
  const configBytes = same ? image.config : Buffer.from(JSON.stringify({ ...parsed, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const configBlob: Blob = { digest: `sha256:${createHash('sha256').update(configBytes).digest('hex')}`, size: configBytes.length, bytes: configBytes };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configBlob.digest, size: configBlob.size },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    }),
  );
  return { layers, configBlob, manifest, mediaType: MEDIA.ociManifest };
}
