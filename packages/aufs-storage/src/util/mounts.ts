import { readMountInfo, runCommand } from '@mydocker/core';

/** Mount points this process sees. */
export function mountPoints(): string[] {
  return readMountInfo().map((m) => m.mountPoint);
}

export function isMountPoint(path: string): boolean {
  return mountPoints().includes(path);
}

/**
 * Node has no binding for mount(2), so util-linux's mount is spawned (about 3 ms on this machine);
 * `cwd` lets the options name layers by short relative paths.
 */
export async function mountFs(type: string, source: string, target: string, options: string, cwd?: string): Promise<void> {
  await runCommand('mount', ['-t', type, '-o', options, source, target], { cwd });
}

/** Unmounts while mounted (stacked mounts too); a no-op otherwise. */
export async function unmountAll(target: string): Promise<void> {
  for (let i = 0; i < 16 && isMountPoint(target); i++) {
    try {
      await runCommand('umount', [target]);
    } catch (err) {
      // Unmounted meanwhile by someone else (the runtime's monitor takes down the root it mounted when
      // the container ends, racing a `stop`/`rm -f`): nothing left to do.
      if (!isMountPoint(target)) break;
      // Busy: detach it so the layer can still be removed; the kernel frees it when the last user goes.
      try {
        await runCommand('umount', ['-l', target]);
      } catch (lazyErr) {
        if (isMountPoint(target)) throw lazyErr;
      }
      if (isMountPoint(target)) throw err;
    }
  }
}
