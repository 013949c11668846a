import type { StorageDriverRegistration } from '@mydocker/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountFs } from '../util/mounts';
import { overlayMountOptions } from './mount-options';
import { UnionDriver } from './union-driver';

export class OverlayDriver extends UnionDriver {
  readonly name = 'overlay';

  protected async mountUnion(dir: string, lowers: string[]): Promise<void> {
    await mountFs('overlay', 'overlay', join(dir, 'merged'), overlayMountOptions(lowers, 'diff', 'work'), dir);
  }
}

export function filesystemSupported(fs: string): boolean {
  try {
    return readFileSync('/proc/filesystems', 'utf8')
      .split('\n')
      .some((line) => line.split('\t').pop()?.trim() === fs);
  } catch {
    return false;
  }
}

export const overlayRegistration: StorageDriverRegistration = {
  name: 'overlay',
  packageName: '@mydocker/aufs-storage',
  priority: 10,
  isSupported: () => filesystemSupported('overlay'),
  create: (options) => new OverlayDriver(options),
};
