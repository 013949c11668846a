import { removeTree } from '@mydocker/core';
import { release as osRelease } from 'node:os';
import { join } from 'node:path';
import { mountFs } from '../util/mounts';
import { overlayMountOptions } from './mount-options';
import { UnionDriver } from './union-driver';

export class OverlayDriver extends UnionDriver {
  readonly name = 'overlay';

  protected async mountUnion(dir: string, lowers: string[]): Promise<void> {
    await mountFs('overlay', 'overlay', join(dir, 'merged'), overlayMountOptions(lowers, 'diff', 'work'), dir);
  }

  /**
   * A throw-away (`--rm`) root is mounted `volatile` where the kernel has it (5.10+): overlay then never
   * syncs the upper file system, which its unmount otherwise does (sync_filesystem of the whole file
   * system holding the store: 16–270 ms measured on this shared machine, on the path to the exit code).
   * A crash can then leave the layer inconsistent; it is deleted when the container ends anyway.
   */
  protected override describeUnion(lowers: string[], throwaway = false): { type: string; source: string; options: string } {
    const options = overlayMountOptions(lowers, 'diff', 'work');
    return { type: 'overlay', source: 'overlay', options: throwaway && volatileSupported() ? `${options},volatile` : options };
  }

  /**
   * overlay leaves `work/work/incompat/volatile` after a volatile mount and refuses the next mount while
   * it is there (the layer may be inconsistent after a crash). A throw-away layer is mounted once, but a
   * restart (`restart` of a running `--rm` container) mounts it again: the marker goes first.
   */
  protected override async beforeThrowawayMount(dir: string): Promise<void> {
    if (volatileSupported()) await removeTree(join(dir, 'work', 'work', 'incompat'));
  }
}

/** overlay's `volatile` option exists since Linux 5.10. */
export function volatileSupported(release = osRelease()): boolean {
  const [major, minor] = release.split('.').map((n) => Number.parseInt(n, 10));
  return major > 5 || (major === 5 && minor >= 10);
}
