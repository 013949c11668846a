import type { LifecycleBus, MountSpec, StorageDriver } from '@mydocker/core';
import { VolumeStore } from './volumes/volume-store';

/** Per-record data kept in `record.ext.storage`. */
export interface StorageExt {
  driver: string;
  imageId: string;
  /** The image's layer digests (lowest first): kept so `rmi -f` never deletes a layer still in use. */
  layers: string[];
  volumes: VolumeMount[];
  /** What the runtime mounts inside the root on every start (parents first); absent in records made before it. */
  mounts?: MountSpec[];
}

export interface VolumeMount {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Volume name (type "volume"). */
  name?: string;
  anonymous: boolean;
  /** The host path (bind, volume's _data); "" for a tmpfs. */
  source: string;
  destination: string;
  readOnly: boolean;
  /** A bind's propagation when given (rprivate otherwise). */
  propagation?: string;
  /** The raw option field of `-v` (inspect's Mode). */
  mode?: string;
  /** Given by --mount or --tmpfs rather than -v. */
  origin?: 'mount' | 'tmpfs';
}

/** The storage plugin's parts for one bus, made on first use. */
export class Storage {
  readonly volumes: VolumeStore;

  constructor(readonly bus: LifecycleBus) {
    this.volumes = new VolumeStore(bus.config.root);
  }

  /** The driver a container was created with (it may differ from today's configured one). */
  driver(name?: string): StorageDriver {
    const current = this.bus.storageDriver();
    if (!name || name === current.name) return current;
    const registration = this.bus.storageDriverRegistration(name);
    if (!registration) throw new Error(`the storage driver "${name}" that made this container is not installed`);
    return registration.create({ home: `${this.bus.config.root}/storage/${name}`, config: this.bus.config });
  }

  /** Layer digests containers still use (from their records). */
  async layersInUse(): Promise<Set<string>> {
    const used = new Set<string>();
    if (!this.bus.has('stateStore')) return used;
    for (const r of await this.bus.need('stateStore').list()) {
      for (const d of (r.ext.storage as StorageExt | undefined)?.layers ?? []) used.add(d);
    }
    return used;
  }
}

const instances = new WeakMap<LifecycleBus, Storage>();

export function storageFor(bus: LifecycleBus): Storage {
  let s = instances.get(bus);
  if (!s) {
    s = new Storage(bus);
    instances.set(bus, s);
  }
  return s;
}
