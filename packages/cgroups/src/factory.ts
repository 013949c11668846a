import { UsageError } from '@mydocker/core';
import { detectHostHierarchy, readV2Controllers, type Hierarchy } from './detect';
import type { CgroupsExt, Limits } from './limits';
import { requestedControllers, type CgroupManager } from './manager';
import { V1Manager } from './v1/manager';
import { V2Manager } from './v2/manager';

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
  if (h.version === 1) return new V1Manager(h.mounts, parent, id, undefined, h.unified);
  if (h.version === 2) return new V2Manager(h.root, h.controllers, parent, id);
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
    return new V2Manager(root, readV2Controllers(root), ext.parent, id);
  }
  const mounts: Record<string, string> = {};
  for (const [name, path] of Object.entries(ext.paths)) mounts[name] = base(path);
  return new V1Manager(mounts, ext.parent, id);
}
