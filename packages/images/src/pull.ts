import { scratchName } from '@mydocker/core';
import { trace, UsageError, type EngineConfig, type ImageStore } from '@mydocker/core';
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { lockBlobs } from './blob-locks';
import { credentialsFor } from './credentials';
import { recordBlobSources } from './blob-sources';
import { LayerDownloads, type EarlyExtraction } from './pull-layers';
import { isIndex, pickFromIndex, readImageManifest } from './manifest';
import { hostPlatform, type Platform } from './platform';
import { progressFor, type PullProgress } from './progress';
import { DOCKER_HUB, familiarName, fullString, parseReference, printable, storeName, withDefaultTag, type Reference } from './reference';
import { RegistryClient, RegistryError, type Credentials, type FetchedManifest } from './registry-client';

export type { EarlyExtraction } from './pull-layers';

export interface PullOptions {
  quiet?: boolean;
  platform?: Platform;
  /** `-a`: every tag of the repository. */
  allTags?: boolean;
  /** Where the progress lines go (stdout for `pull`, stderr when `run` pulls). */
  out: NodeJS.WritableStream;
  /** Credentials for this one pull, used instead of the stored ones and never saved (the Engine API's X-Registry-Auth). */
  credentials?: Credentials;
}

/** Up to three layers at once, as Docker's default. */
const CONCURRENT_DOWNLOADS = 3;

function pluginOptions(config: EngineConfig): Record<string, unknown> {
  return (config.pluginOptions?.images ?? {}) as Record<string, unknown>;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((r): r is string => typeof r === 'string') : [];
}

/** The images plugin's options in the config file: `pluginOptions.images.insecureRegistries`. */
export function insecureRegistries(config: EngineConfig): string[] {
  return strings(pluginOptions(config).insecureRegistries);
}

/**
 * `pluginOptions.images.registryMirrors`, as Docker's daemon.json `registry-mirrors`: URLs
 * (`https://mirror.example`, `http://127.0.0.1:5000`) of Docker Hub mirrors, tried in order before
 * Docker Hub itself. One that is not an http(s) URL is refused with a sentence.
 */
export function registryMirrors(config: EngineConfig): string[] {
  return strings(pluginOptions(config).registryMirrors).map((m) => {
    let url: URL;
    try {
      url = new URL(m);
    } catch {
      throw new UsageError(`Invalid registry mirror "${printable(m)}" in the config: use a URL such as https://mirror.example.`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '')) {
      throw new UsageError(`Invalid registry mirror "${printable(m)}" in the config: use a URL such as https://mirror.example, without a path.`);
    }
    return url.origin;
  });
}

async function eachLimited<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

/**
 * The registry to fetch `ref` from, with its top manifest: for Docker Hub, each configured mirror in
 * turn (one that cannot be reached or lacks the image is passed over), then Docker Hub itself.
 */
async function connect(
  config: EngineConfig,
  ref: Reference,
  reference: string,
  given?: Credentials,
): Promise<{ client: RegistryClient; top: FetchedManifest }> {
  const insecure = insecureRegistries(config);
  const endpoints: Array<string | undefined> = [...(ref.domain === DOCKER_HUB ? registryMirrors(config) : []), undefined];
  for (const endpoint of endpoints) {
    const host = endpoint ? new URL(endpoint).host : ref.domain;
    const credentials = (!endpoint && given) || (await credentialsFor(host));
    const client = new RegistryClient(ref, { insecure, certsDir: config.certsDir, credentials, endpoint });
    try {
      await client.ping();
      const top = await client.manifest(reference);
      return { client, top };
    } catch (err) {
      if (!endpoint) throw err;
      trace(`pull: mirror ${endpoint} passed over`);
    }
  }
  throw new Error('unreachable');
}

/**
 * `pull REF`: manifest (the host's platform chosen from an index), config, then the layers the store
 * lacks, each verified while it streams into a scratch directory; the store adds the image at the
 * end, all or nothing. The scratch directory goes whatever happens. Returns the image id.
 * `-a` pulls every tag the registry lists, one after the other.
 */
export async function pull(images: ImageStore, config: EngineConfig, input: string, options: PullOptions): Promise<string> {
  if (!images.addFetched) throw new UsageError('The installed image store cannot store pulled images: update @mydocker/aufs-storage.');
  const given = parseReference(input);
  const progress = progressFor(options.out, !!options.quiet);
  if (!options.allTags) {
    if (given.tag === undefined && given.digest === undefined) progress.line('Using default tag: latest');
    const ref = withDefaultTag(given);
    const { client, top } = await connect(config, ref, ref.digest ?? ref.tag!, options.credentials);
    const { id, existed, name } = await pullOne(images, config, ref, client, top, options, progress);
    progress.line(`Status: ${existed ? 'Image is up to date' : 'Downloaded newer image'} for ${name}`);
    options.out.write(`${fullString(ref)}\n`);
    return id;
  }
  if (given.tag !== undefined || given.digest !== undefined)
    throw new UsageError(`Cannot pull "${input}" with --all-tags: give a repository without a tag or digest.`);
  const first = { ...given, tag: 'latest' };
  const probe = new RegistryClient(first, {
    insecure: insecureRegistries(config),
    certsDir: config.certsDir,
    credentials: options.credentials ?? (await credentialsFor(given.domain)),
  });
  const tags = await probe.tags();
  if (tags.length === 0) throw new RegistryError(`The repository ${printable(given.path)} has no tags in the registry ${printable(probe.host)}.`);
  let id = '';
  let newer = false;
  for (const tag of tags) {
    const ref = { ...given, tag };
    const { client, top } = await connect(config, ref, tag, options.credentials);
    const one = await pullOne(images, config, ref, client, top, options, progress);
    id = one.id;
    newer ||= !one.existed;
  }
  const repo = fullString(given);
  progress.line(`Status: ${newer ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarName(given)}`);
  options.out.write(`${repo}\n`);
  return id;
}

/** The platform's image manifest of `top`, its config's bytes and diff ids, checked against its layers. */
async function imageOf(client: RegistryClient, ref: Reference, top: FetchedManifest, platform: Platform | undefined) {
  let manifest = top;
  if (isIndex(top)) {
    const chosen = pickFromIndex(top, platform ?? hostPlatform(), fullString(ref));
    manifest = await client.manifest(chosen.digest);
    if (isIndex(manifest)) throw new RegistryError('The registry sent an index where an image manifest was expected.');
  }
  const { config: configDesc, layers } = readImageManifest(manifest);
  const configBytes = await client.blobBytes(configDesc.digest, configDesc.size);
  trace('pull: manifest and config');
  let diffIds: string[];
  try {
    diffIds = (JSON.parse(configBytes.toString('utf8')) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
    if (!Array.isArray(diffIds) || diffIds.some((d) => typeof d !== 'string')) throw new Error('no diff ids');
  } catch {
    throw new RegistryError('The image config is not a valid image config (it has no rootfs.diff_ids).');
  }
  if (diffIds.length !== layers.length)
    throw new RegistryError(`The image is damaged: its manifest lists ${layers.length} layers but its config ${diffIds.length}.`);
  return { manifest, configDesc, configBytes, layers, diffIds };
}

/** The indexes of the layers the store lacks. */
async function missingLayers(images: ImageStore, diffIds: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const [i, d] of diffIds.entries()) if (!(images.hasLayer && (await images.hasLayer(d)))) out.push(i);
  return out;
}

async function pullOne(
  images: ImageStore,
  config: EngineConfig,
  ref: Reference,
  client: RegistryClient,
  top: FetchedManifest,
  options: PullOptions,
  progress: PullProgress,
): Promise<{ id: string; existed: boolean; name: string }> {
  trace('pull: manifest');
  progress.line(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}`);
  const { manifest, configDesc, configBytes, layers, diffIds } = await imageOf(client, ref, top, options.platform);
  const id = createHash('sha256').update(configBytes).digest('hex');
  const existed = await images.resolve(`sha256:${id}`).then(
    () => true,
    () => false,
  );
  const dir = join(config.root, 'tmp', scratchName('pull-'));
  let releaseBlobs: (() => Promise<void>) | undefined;
  const early = (images as Partial<EarlyExtraction>).extractFetchedLayer ? (images as ImageStore & EarlyExtraction) : undefined;
  const downloads = new LayerDownloads(
    client,
    layers,
    diffIds,
    layers.map((_, i) => join(dir, `layer-${i}`)),
    progress,
    early,
  );
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Another pull may be fetching some of them: wait for it, then ask the store again.
    releaseBlobs = await lockBlobs(
      config.runRoot,
      (await missingLayers(images, diffIds)).map((i) => layers[i].digest),
    );
    trace('pull: blob locks');
    const needed = await missingLayers(images, diffIds);
    for (const [i, l] of layers.entries()) progress.layer(downloads.short(i), needed.includes(i) ? 'Pulling fs layer' : 'Already exists', l.size);
    for (const i of needed.slice(CONCURRENT_DOWNLOADS)) progress.layer(downloads.short(i), 'Waiting');
    await eachLimited(needed, CONCURRENT_DOWNLOADS, (i) => downloads.fetch(i))
      .then(() => trace('pull: layers downloaded'))
      .finally(() => downloads.ended());
    await downloads.settle();
    trace('pull: layers extracted');
    const name = storeName(ref);
    if (!early) for (const i of needed) progress.layer(downloads.short(i), 'Extracting');
    const stored = await images.addFetched!({
      manifestDigest: top.digest,
      manifest: top.raw,
      ...(manifest !== top ? { imageManifest: manifest.raw } : {}),
      config: configBytes,
      layers: downloads.files,
      names: name ? [name] : [],
      repository: familiarName(ref),
      ...(early ? { prepared: downloads.prepared } : {}),
    } as Parameters<NonNullable<ImageStore['addFetched']>>[0]);
    trace('pull: stored');
    for (const i of needed) progress.layer(downloads.short(i), 'Pull complete');
    progress.stop();
    progress.line(`Digest: ${top.digest}`);
    // A hint for push's cross-repository mounts; the image is stored whether or not it is written.
    await recordBlobSources(config.root, `${ref.domain}/${ref.path}`, [configDesc.digest, ...needed.map((i) => layers[i].digest)]).catch(() => undefined);
    return { id: stored, existed, name: name ?? `${familiarName(ref)}@${top.digest}` };
  } finally {
    progress.stop();
    await releaseBlobs?.();
    await downloads.discard();
    await rm(dir, { recursive: true, force: true });
  }
}
