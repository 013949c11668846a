import { readFileSync } from 'node:fs';

/** The controllers a container's cgroup is made in, and the ones stats read. */
export const WANTED_CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'devices', 'freezer', 'blkio'] as const;
/** The ones whose v1 mount makes a host "v1": freezer and blkio alone (left in v1 by a v2 host) do not. */
const DECIDING_CONTROLLERS: readonly string[] = ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'devices'];

export type Hierarchy =
  /**
   * Controller name → the mount point of the v1 hierarchy that holds it; `unified`: a cgroup2 mount beside
   * them (a hybrid host), where a device program can stand in for a missing v1 devices controller.
   */
  | { version: 1; mounts: Record<string, string>; unified?: string }
  /** The cgroup2 mount point and the controllers its root offers. */
  | { version: 2; root: string; controllers: string[] }
  | { version: 0 };

interface CgroupMount {
  fstype: 'cgroup' | 'cgroup2';
  mountPoint: string;
  options: string[];
}

/** mountinfo escapes spaces and a few other bytes as \ooo. */
function unescape(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const before = line.slice(0, sep).split(' ');
    const after = line.slice(sep + 3).split(' ');
    const fstype = after[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    mounts.push({ fstype, mountPoint: unescape(before[4]), options: (after[2] ?? '').split(',') });
  }
  return mounts;
}

/**
 * Picks the hierarchy the way runc does on a hybrid host: if cgroup v1 hierarchies hold the controllers we
 * use, v1 wins (a cgroup2 mount beside them holds only what v1 left over); otherwise the unified hierarchy.
 */
export function detectHierarchy(mountinfo: string, readControllers: (root: string) => string[] = readV2Controllers): Hierarchy {
  const mounts = parseCgroupMounts(mountinfo);
  const v1: Record<string, string> = {};
  for (const m of mounts) {
    if (m.fstype !== 'cgroup') continue;
    for (const option of m.options) {
      if ((WANTED_CONTROLLERS as readonly string[]).includes(option) && !(option in v1)) v1[option] = m.mountPoint;
    }
  }
  const unified = mounts.find((m) => m.fstype === 'cgroup2');
  if (Object.keys(v1).some((c) => DECIDING_CONTROLLERS.includes(c)))
    return unified ? { version: 1, mounts: v1, unified: unified.mountPoint } : { version: 1, mounts: v1 };
  if (unified) return { version: 2, root: unified.mountPoint, controllers: readControllers(unified.mountPoint) };
  return { version: 0 };
}

export function readV2Controllers(root: string): string[] {
  try {
    return readFileSync(`${root}/cgroup.controllers`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

export function detectHostHierarchy(): Hierarchy {
  return detectHierarchy(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** The controllers usable for containers, by name. */
export function availableControllers(h: Hierarchy): string[] {
  if (h.version === 1) return Object.keys(h.mounts).sort();
  if (h.version === 2) return [...h.controllers].sort();
  return [];
}
