import { NotFoundError, UsageError, type LifecycleBus } from '@mydocker/core';
import { DOCKER_HUB, parseReference, type Reference } from './reference';

export type PullPolicy = 'missing' | 'always' | 'never';

/** `--pull`, as Docker spells its values and its refusal of others. */
export function pullPolicy(value: string | undefined): PullPolicy {
  if (value === undefined || value === 'missing' || value === 'always' || value === 'never') return value ?? 'missing';
  throw new UsageError(`Invalid pull option "${value}": must be one of "always", "missing" or "never".`);
}

/**
 * `run`/`create` of an image the store lacks pulls it, as Docker does (`--pull missing`), with the
 * progress on stderr. Only references that name a registry host are pulled when missing: this engine's
 * machines have no route to Docker Hub, and an image name alone keeps its old meaning (the host's
 * busybox, a loaded image, an id) without a look-up or a network round trip, so a plain `run busybox`
 * pays nothing here. `--pull always` pulls whatever the name (a stored image is brought up to date);
 * `--pull never` fetches nothing: a missing image is Docker's "No such image".
 */
export async function pullIfMissing(bus: LifecycleBus, image: string, pull?: string): Promise<void> {
  const policy = pullPolicy(pull);
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
  const { pull: pullImage } = require('./pull') as typeof import('./pull');
  if (policy === 'always') {
    await pullImage(images, bus.config, image, { out: process.stderr });
    return;
  }
  if (ref.domain === DOCKER_HUB) return;
  try {
    await images.resolve(image);
    return;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  process.stderr.write(`Unable to find image '${image}' locally\n`);
  await pullImage(images, bus.config, image, { out: process.stderr });
}
