import { join } from 'node:path';
import type { EngineConfig } from '@mydocker/core';

/** Where the store keeps things; every path derives from the engine's configured roots. */
export class StoreLayout {
  readonly containers: string;
  readonly names: string;
  readonly locks: string;

  constructor(config: Pick<EngineConfig, 'root' | 'runRoot'>) {
    this.containers = join(config.root, 'containers');
    this.names = join(config.root, 'names');
    this.locks = join(config.runRoot, 'locks');
  }

  containerDir(id: string): string {
    return join(this.containers, id);
  }

  recordFile(id: string): string {
    return join(this.containers, id, 'config.json');
  }

  nameFile(name: string): string {
    return join(this.names, name);
  }

  /** A record is assembled here and renamed into place, so a container directory never appears without one. */
  stagingDir(id: string): string {
    return join(this.containers, `.new-${id}`);
  }

  /** A removal renames the directory here first, so that it disappears at once and whole. */
  removingDir(id: string): string {
    return join(this.containers, `.removing-${id}`);
  }
}

/** Entries of the containers directory that are containers (not staging directories). */
export function isContainerEntry(name: string): boolean {
  return !name.startsWith('.');
}

export function isRemovingEntry(name: string): boolean {
  return name.startsWith('.removing-');
}
