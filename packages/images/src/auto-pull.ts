import { NotFoundError, type LifecycleBus } from '@mydocker/core';
import { parseReference, DOCKER_HUB } from './reference';

/**
 * `run`/`create` of an image the store lacks pulls it, as Docker does (`--pull missing`), with the
 * progress on stderr. Only references that name a registry host are pulled: this engine's machines have
 * no route to Docker Hub, and an image name alone keeps its old meaning (the host's busybox, a loaded
 * image) without a network round trip.
 */
export async function pullIfMissing(bus: LifecycleBus, image: string): Promise<void> {
  const images = bus.need('images', 'Running a container');
  if (!images.addFetched) return;
  try {
    await images.resolve(image);
    return;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    let ref;
    try {
      ref = parseReference(image);
    } catch {
      throw err;
    }
    if (ref.domain === DOCKER_HUB) throw err;
  }
  process.stderr.write(`Unable to find image '${image}' locally\n`);
  const { pull } = require('./pull') as typeof import('./pull');
  await pull(images, bus.config, image, { out: process.stderr });
}
