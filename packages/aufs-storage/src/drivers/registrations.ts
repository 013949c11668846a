import type { StorageDriverRegistration } from '@mydocker/core';
import { readFileSync } from 'node:fs';

/** Whether /proc/filesystems lists `fs` (the kernel can mount it now). */
export function filesystemSupported(fs: string, table?: string): boolean {
  let text = table;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/filesystems', 'utf8');
    } catch {
      return false;
    }
  }
  return text.split('\n').some((line) => line.split('\t').pop()?.trim() === fs);
}

// The driver classes are required on first use: registering must stay cheap (it runs on every command).
export const overlayRegistration: StorageDriverRegistration = {
  name: 'overlay',
  packageName: '@mydocker/aufs-storage',
  priority: 10,
  isSupported: () => filesystemSupported('overlay'),
  create: (options) => new (require('./overlay') as typeof import('./overlay')).OverlayDriver(options),
};

export const aufsRegistration: StorageDriverRegistration = {
  name: 'aufs',
  packageName: '@mydocker/aufs-storage',
  priority: 0,
  isSupported: () => filesystemSupported('aufs'),
  create: (options) => new (require('./aufs') as typeof import('./aufs')).AufsDriver(options),
};
