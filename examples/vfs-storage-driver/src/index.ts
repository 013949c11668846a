import type { LifecycleBus, Plugin, StorageDriverOptions } from '@mydocker/core';

/**
 * Registers the "vfs" storage driver. The driver's code is required only when the engine picks it,
 * so loading this plugin costs nothing on commands that never touch storage.
 */
export default class VfsStorageDriverPlugin implements Plugin {
  readonly name = 'vfs-storage-driver';

  apply(bus: LifecycleBus): void {
    bus.registerStorageDriver({
      name: 'vfs',
      packageName: 'mydocker-storage-vfs',
      priority: 100,
      isSupported: () => true,
      create: (options: StorageDriverOptions) => {
        const { VfsDriver } = require('./driver') as typeof import('./driver');
        return new VfsDriver(options.home);
      },
    });
  }
}

export type { VfsDriver } from './driver';
