import { UsageError } from '@mydocker/core';
import { detectHostHierarchy, readV2Controllers, type Hierarchy } from './detect';
import type { CgroupsExt, Limits } from './limits';
import { requestedControllers, type CgroupManager } from './manager';
import type { V1Manager } from './v1/manager';
import type { V2Manager } from './v2/manager';

// Each version's manager (and its controllers) is loaded only on a host of that version: a `run` on a
// v1 host need not load the nine v2 modules, nor a v2 host the v1 ones.
const v1 = (...args: ConstructorParameters<typeof V1Manager>): V1Manager => new (require('./v1/manager') as typeof import('./v1/manager')).V1Manager(...args);
const v2 = (...args: ConstructorParameters<typeof V2Manager>): V2Manager => new (require('./v2/manager') as typeof import('./v2/manager')).V2Manager(...args);

let hostHierarchy: Hierarchy | undefined;

/** The host's hierarchy, read once per process from /proc/self/mountinfo. */
export function hierarchy(): Hierarchy {
  hostHierarchy ??= detectHostHierarchy();
  return hostHierarchy;
}

/**
 * The manager for container `id` under `parent`, or undefined on a host without cgroups (then a
 * requested limit is refused: it never runs silently without one).
 */
export function managerFor(h: Hierarchy, parent: string, id: string, limits: Limits = {}): CgroupManager | undefined {
  if (h.version === 1) return v1(h.mounts, parent, id, undefined, h.unified);
  if (h.version === 2) return v2(h.root, h.controllers, parent, id);
  const wanted = requestedControllers(limits)[0];
  if (wanted) throw new UsageError(`The ${wanted[1]} flag needs the cgroup "${wanted[0]}" controller, but this host mounts no cgroup hierarchy.`);
  return undefined;
}

/** Rebuilds the manager from what the record kept, so that clean-up uses the paths made at create. */
export function managerFromExt(ext: CgroupsExt, id: string): CgroupManager {
  const suffix = `/${ext.parent}/${id}`;
  const base = (path: string) => path.slice(0, path.length - suffix.length);
  if (ext.version === 2) {
    const root = base(ext.paths.unified);
    return v2(root, readV2Controllers(root), ext.parent, id);
  }
  const mounts: Record<string, string> = {};
  for (const [name, path] of Object.entries(ext.paths)) mounts[name] = base(path);
  return v1(mounts, ext.parent, id);
}
