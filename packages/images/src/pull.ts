import { trace, UsageError, type EngineConfig, type ImageStore } from '@mydocker/core';
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { lockBlobs } from './blob-locks';
import { credentialsFor } from './credentials';
import { scratchName } from './scratch';
import { isIndex, pickFromIndex, readImageManifest, type Descriptor } from './manifest';
import { hostPlatform, type Platform } from './platform';
import { familiarName, fullString, parseReference, storeName, withDefaultTag } from './reference';
import { RegistryClient, RegistryError } from './registry-client';

export interface PullOptions {
  quiet?: boolean;
  platform?: Platform;
  /** Where the progress lines go (stdout for `pull`, stderr when `run` pulls). */
  out: NodeJS.WritableStream;
}

/** Up to three layers at once, as Docker's default. */
const CONCURRENT_DOWNLOADS = 3;

/** The images plugin's options in the config file: `pluginOptions.images.insecureRegistries`. */
export function insecureRegistries(config: EngineConfig): string[] {
  const opts = (config.pluginOptions?.images ?? {}) as { insecureRegistries?: unknown };
  return Array.isArray(opts.insecureRegistries) ? opts.insecureRegistries.filter((r): r is string => typeof r === 'string') : [];
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
 * `pull REF`: manifest (the host's platform chosen from an index), config, then the layers the store
 * lacks, each verified while it streams into a scratch directory; the store adds the image at the
 * end, all or nothing. The scratch directory goes whatever happens. Returns the image id.
 */
export async function pull(images: ImageStore, config: EngineConfig, input: string, options: PullOptions): Promise<string> {
  if (!images.addFetched) throw new UsageError('The installed image store cannot store pulled images: update @mydocker/aufs-storage.');
  const given = parseReference(input);
  const ref = withDefaultTag(given);
  const say = (line: string) => {
    if (!options.quiet) options.out.write(`${line}\n`);
  };
  if (given.tag === undefined && given.digest === undefined) say('Using default tag: latest');
  const client = new RegistryClient(ref, { insecure: insecureRegistries(config), certsDir: config.certsDir, credentials: await credentialsFor(ref.domain) });
  await client.ping();
  trace('pull: ping');
  const top = await client.manifest(ref.digest ?? ref.tag!);
  say(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}`);
  let manifest = top;
  if (isIndex(top)) {
    const chosen = pickFromIndex(top, options.platform ?? hostPlatform(), fullString(ref));
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
  if (diffIds.length !== layers.length) throw new RegistryError(`The image is damaged: its manifest lists ${layers.length} layers but its config ${diffIds.length}.`);
  const id = createHash('sha256').update(configBytes).digest('hex');
  const existed = await images.resolve(`sha256:${id}`).then(
    () => true,
    () => false,
  );
  const dir = join(config.root, 'tmp', scratchName('pull-'));
  let releaseBlobs: (() => Promise<void>) | undefined;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const files = layers.map((_, i) => join(dir, `layer-${i}`));
    const short = (l: Descriptor) => l.digest.slice(7, 19);
    const missing = async () => {
      const out: number[] = [];
      for (const i of layers.keys()) if (!(images.hasLayer && (await images.hasLayer(diffIds[i])))) out.push(i);
      return out;
    };
    // Another pull may be fetching some of them: wait for it, then ask the store again.
    releaseBlobs = await lockBlobs(config.runRoot, (await missing()).map((i) => layers[i].digest));
    trace('pull: blob locks');
    const needed = await missing();
    for (const [i, l] of layers.entries()) say(`${short(l)}: ${needed.includes(i) ? 'Pulling fs layer' : 'Already exists'}`);
    await eachLimited(needed, CONCURRENT_DOWNLOADS, async (i) => {
      await client.blobToFile(layers[i].digest, layers[i].size, files[i]);
      say(`${short(layers[i])}: Download complete`);
    });
    trace('pull: layers downloaded');
    const name = storeName(ref);
    const stored = await images.addFetched({
      manifestDigest: top.digest,
      manifest: top.raw,
      ...(manifest !== top ? { imageManifest: manifest.raw } : {}),
      config: configBytes,
      layers: files,
      names: name ? [name] : [],
      repository: familiarName(ref),
    });
    trace('pull: stored');
    for (const i of needed) say(`${short(layers[i])}: Pull complete`);
    say(`Digest: ${top.digest}`);
    say(`Status: ${existed ? 'Image is up to date' : 'Downloaded newer image'} for ${name ?? `${familiarName(ref)}@${top.digest}`}`);
    options.out.write(`${fullString(ref)}\n`);
    return stored;
  } finally {
    await releaseBlobs?.();
    await rm(dir, { recursive: true, force: true });
  }
}
