import { acquireFileLock, type ReleaseLock } from '@mydocker/core';
import { join } from 'node:path';

/** A pull of a large image can hold its layers' locks for as long as the download lasts. */
const WAIT_MS = 60 * 60_000;

/**
 * Locks the layer blobs a pull is about to download, so that a second pull of the same blobs waits
 * and then finds them in the store instead of downloading them again. Held until the image is stored:
 * the store learns a layer only then. Taken in digest order, so two pulls that share several layers
 * cannot each hold one the other waits for. A killed holder's locks go stale (core's file lock).
 */
export async function lockBlobs(runRoot: string, digests: string[]): Promise<ReleaseLock> {
  const held: ReleaseLock[] = [];
  const releaseAll = async () => {
    for (const release of held.reverse()) await release().catch(() => undefined);
  };
  try {
    for (const digest of [...new Set(digests)].sort()) {
      held.push(
        await acquireFileLock(join(runRoot, 'images', 'blob-locks', digest.replace(':', '-')), {
          timeoutMs: WAIT_MS,
          busyMessage: `The layer ${digest.slice(0, 19)} has been locked by another pull for an hour; try again.`,
        }),
      );
    }
  } catch (err) {
    await releaseAll();
    throw err;
  }
  return releaseAll;
}
