import { readFileSync } from 'node:fs';

/**
 * /proc/PID/cgroup as hierarchy name → the process's path in it: each v1 controller of a line (co-mounted
 * ones share the path, "name=systemd" kept as written), and "unified" for the v2 line ("0::/path").
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first <= 0 || second < 0) continue;
    const path = line.slice(second + 1);
    const controllers = line.slice(first + 1, second);
    if (line.slice(0, first) === '0' && controllers === '') out.set('unified', path);
    else for (const name of controllers.split(',')) if (name) out.set(name, path);
  }
  return out;
}

/** The cgroups of a process, or undefined when it is gone (the caller's write then says so). */
export function cgroupsOf(pid: number): Map<string, string> | undefined {
  try {
    return parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Whether a process whose cgroups are `current` is in `dir`, the directory of hierarchy `name` mounted at
 * `mount`. Exact match only: anything else (another cgroup namespace's view, a path the kernel shows
 * otherwise) counts as not in, and the caller writes cgroup.procs as it always did.
 */
export function isMember(current: Map<string, string> | undefined, name: string, dir: string, mount: string): boolean {
  if (!current || !dir.startsWith(`${mount}/`)) return false;
  return current.get(name) === dir.slice(mount.length);
}

/**
 * The directories the container's PID 1 joins itself right after the clone (ContainerContext.cgroupSelfJoin):
 * every distinct v1 directory (co-mounted controllers share one). Not the cgroup2 one of a hybrid host: a
 * v2 thread cannot move itself across domains (cgroup.threads), and cgroup.procs takes the global lock.
 */
export function selfJoinDirs(version: 1 | 2, paths: Record<string, string>): string[] {
  if (version !== 1) return [];
  return [...new Set(Object.entries(paths).flatMap(([name, dir]) => (name === 'unified' ? [] : [dir])))];
}
