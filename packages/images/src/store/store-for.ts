import type { LifecycleBus } from '@mydocker/core';
import { LocalImageStore } from './image-store';

const instances = new WeakMap<LifecycleBus, LocalImageStore>();

/** The bus's image store, made on first use. */
export function storeFor(bus: LifecycleBus): LocalImageStore {
  let s = instances.get(bus);
  if (!s) {
    s = new LocalImageStore(bus.config);
    instances.set(bus, s);
  }
  return s;
}

/**
 * The layers containers still use, from their records: what this package keeps in `ext.images`, and
 * what the storage plugin kept in `ext.storage` for containers made before the images package owned
 * the store. A layer any of them names is never removed.
 */
export async function layersInUse(bus: LifecycleBus): Promise<Set<string>> {
  const used = new Set<string>();
  if (!bus.has('stateStore')) return used;
  for (const r of await bus.need('stateStore').list()) {
    for (const key of ['images', 'storage']) {
      const layers = (r.ext?.[key] as { layers?: unknown } | undefined)?.layers;
      if (Array.isArray(layers)) for (const d of layers) if (typeof d === 'string') used.add(d.replace(/^sha256:/, ''));
    }
  }
  return used;
}
