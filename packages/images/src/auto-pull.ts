import { NotFoundError, type LifecycleBus } from '@mydocker/core';
import { DOCKER_HUB, parseReference, type Reference } from './reference';

/**
 * `run`/`create` of an image the store lacks pulls it, as Docker does (`--pull missing`), with the
 * progress on stderr. Only references that name a registry host are pulled: this engine's machines have
 * no route to Docker Hub, and an image name alone keeps its old meaning (the host's busybox, a loaded
 * image, an id) without a look-up or a network round trip, so a plain `run busybox` pays nothing here.
 */
export async function pullIfMissing(bus: LifecycleBus, image: string): Promise<void> {
  let ref: Reference;
  try {
    ref = parseReference(image);
  } catch {
    return; // the store's own resolve says what is wrong with it
  }
  if (ref.domain === DOCKER_HUB) return;
  const images = bus.need('images', 'Running a container');
  if (!images.addFetched) return;
  try {
    await images.resolve(image);
    return;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  process.stderr.write(`Unable to find image '${image}' locally\n`);
  const { pull } = require('./pull') as typeof import('./pull');
  await pull(images, bus.config, image, { out: process.stderr });
}
