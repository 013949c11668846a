import { UsageError } from '@mydocker/core';
import { choosePlatform, formatPlatform, type Platform } from './platform';
import { MEDIA, RegistryError, type FetchedManifest } from './registry-client';

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: Partial<Platform>;
}

export interface ImageManifest {
  config: Descriptor;
  layers: Descriptor[];
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export const LAYER_TYPES = new Set([
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.diff.tar',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar.zstd',
]);

function parse(m: FetchedManifest): { mediaType: string; body: Record<string, unknown> } {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(m.raw.toString('utf8')) as Record<string, unknown>;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
  } catch {
    throw new RegistryError('The registry sent a manifest that is not JSON.');
  }
  const mediaType = typeof body.mediaType === 'string' && body.mediaType ? body.mediaType : m.mediaType;
  if (body.schemaVersion === 1 || mediaType === MEDIA.schema1 || mediaType === MEDIA.schema1Signed) {
    throw new RegistryError('The image uses the Docker schema 1 manifest format, which is deprecated and not supported: push it again with a current client.');
  }
  return { mediaType, body };
}

function descriptor(value: unknown, what: string): Descriptor {
  const d = value as Descriptor;
  if (!d || typeof d !== 'object' || typeof d.digest !== 'string' || !DIGEST.test(d.digest) || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new RegistryError(`The registry sent a manifest with an invalid ${what} descriptor.`);
  }
  return d;
}

export function isIndex(m: FetchedManifest): boolean {
  const { mediaType, body } = parse(m);
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList || (!mediaType && Array.isArray(body.manifests));
}

/** From an index (OCI or Docker list): the manifest for `platform`, or one sentence naming what there is. */
export function pickFromIndex(m: FetchedManifest, platform: Platform, name: string): Descriptor {
  const { body } = parse(m);
  if (!Array.isArray(body.manifests)) throw new RegistryError('The registry sent an index without a list of manifests.');
  const entries = body.manifests.map((e) => descriptor(e, 'manifest'));
  const chosen = choosePlatform(entries, platform);
  if (!chosen) {
    const offered = entries
      .map((e) => e.platform)
      .filter((p): p is Platform => !!p?.os && !!p?.architecture && p.os !== 'unknown')
      .map(formatPlatform);
    throw new UsageError(
      `The image ${name} has no variant for ${formatPlatform(platform)}${offered.length ? ` (it has ${[...new Set(offered)].join(', ')})` : ''}.`,
    );
  }
  return chosen;
}

/** An image manifest (OCI or Docker schema 2): its config and layers, each layer of a type we can unpack. */
export function readImageManifest(m: FetchedManifest): ImageManifest {
  const { mediaType, body } = parse(m);
  if (mediaType && mediaType !== MEDIA.ociManifest && mediaType !== MEDIA.dockerManifest) {
    throw new RegistryError(`The registry sent a manifest of the unsupported type ${JSON.stringify(mediaType)}.`);
  }
  if (!Array.isArray(body.layers)) throw new RegistryError('The registry sent a manifest without a list of layers.');
  const config = descriptor(body.config, 'config');
  const layers = body.layers.map((l) => descriptor(l, 'layer'));
  for (const l of layers) {
    if (l.mediaType && !LAYER_TYPES.has(l.mediaType)) {
      throw new RegistryError(`The image has a layer of the unsupported type ${JSON.stringify(l.mediaType)}.`);
    }
  }
  return { config, layers };
}
