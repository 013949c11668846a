import { NotFoundError, UsageError, type LifecycleBus } from '@mydocker/core';
import { parsePlatform, type Platform } from './platform';
import { DOCKER_HUB, parseReference, type Reference } from './reference';
import { storeFor } from './store/store-for';

/** Whether the config lists Docker Hub mirrors (pull.ts checks them; this look needs no module load). */
function mirrorsConfigured(bus: LifecycleBus): boolean {
  const images = bus.config.pluginOptions?.images as { registryMirrors?: unknown } | undefined;
  return Array.isArray(images?.registryMirrors) && images.registryMirrors.length > 0;
}

/** Whether an image config is for the platform asked for (a variant only when both name one). */
function samePlatform(config: { os?: string; architecture?: string; variant?: unknown }, wanted: Platform): boolean {
  if (config.os !== wanted.os || config.architecture !== wanted.architecture) return false;
  return !wanted.variant || typeof config.variant !== 'string' || config.variant === wanted.variant;
}

export type PullPolicy = 'missing' | 'always' | 'never';

/** `--pull`, as Docker spells its values and its refusal of others. */
export function pullPolicy(value: string | undefined): PullPolicy {
  if (value === undefined || value === 'missing' || value === 'always' || value === 'never') return value ?? 'missing';
  throw new UsageError(`Invalid pull option "${value}": must be one of "always", "missing" or "never".`);
}

/**
 * `run`/`create` of an image the store lacks pulls it, as Docker does (`--pull missing`), with the
 * progress on stderr. Docker Hub names (`alpine`) are pulled when missing only through the mirrors the
 * config names: this engine's machines have no route to Docker Hub, and without mirrors an image name
 * alone keeps its old meaning (the host's busybox, a loaded image, an id) without a network round trip,
 * so a plain `run busybox` pays nothing here. `--platform` pulls a stored image of another platform again. `--pull always` pulls whatever the name (a stored image is brought up to date);
 * `--pull never` fetches nothing: a missing image is Docker's "No such image".
 */
export async function pullIfMissing(bus: LifecycleBus, image: string, pull?: string, platformText?: string): Promise<void> {
  const policy = pullPolicy(pull);
  const platform = platformText === undefined ? undefined : parsePlatform(platformText);
  let ref: Reference;
  try {
    ref = parseReference(image);
  } catch {
    return; // the store's own resolve says what is wrong with it
  }
  const images = bus.need('images', 'Running a container');
  if (policy === 'never') {
    // Docker's words for an image that --pull never forbids fetching.
    await images.resolve(image).catch((err: unknown) => {
      throw err instanceof NotFoundError ? new NotFoundError(`No such image: ${image}.`) : err;
    });
    return;
  }
  if (!images.addFetched) return;
  // pull.ts (and undici under it) is loaded only when a pull may happen: `run busybox` never needs it.
  const pullImage = (...args: Parameters<typeof import('./pull').pull>) => (require('./pull') as typeof import('./pull')).pull(...args);
  if (policy === 'always') {
    await pullImage(images, bus.config, image, { out: process.stderr, platform });
    return;
  }
  const store = storeFor(bus);
  // The default image is built from the host's busybox when first needed, never pulled.
  if (store.isDefault(image) && !platform) return;
  // Docker Hub is asked only through the configured mirrors: these machines have no route to it.
  if (ref.domain === DOCKER_HUB && !mirrorsConfigured(bus)) return;
  const stored = await store.find(image);
  // A stored image of another platform than the one asked for is pulled again, as Docker does.
  if (stored && (!platform || samePlatform(stored.config, platform))) return;
  if (!stored) process.stderr.write(`Unable to find image '${image}' locally\n`);
  await pullImage(images, bus.config, image, { out: process.stderr, platform });
}
