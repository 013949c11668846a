import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { pidNamespaceOf, processStartTime, type ContainerRecord } from '@mydocker/core';
import { helperPath } from './helper-path';

type Found = Required<Pick<ContainerRecord, 'pid' | 'pidStartTime' | 'pidNamespace'>> & Pick<ContainerRecord, 'monitorPid' | 'monitorStartTime'>;

/**
 * A container known only by its id (its record is damaged): its PID 1 is the process that is first in
 * its own pid namespace and sits in a cgroup named after the id (as the cgroups plugin names them); its
 * parent is the monitor if that runs our helper binary. Found this way, the PID is the container's by
 * construction. Without a cgroup named after the id (no cgroups plugin), nothing is found.
 */
export function findContainerInit(id: string): Found | undefined {
  const self = pidNamespaceOf('self');
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (!inCgroupNamed(pid, id) || nsPidInside(pid) !== 1) continue;
    const ns = pidNamespaceOf(pid);
    const start = processStartTime(pid);
    if (!ns || ns === self || start === undefined) continue;
    const found: Found = { pid, pidStartTime: start, pidNamespace: ns };
    const ppid = parentPid(pid);
    if (ppid && isHelperBinary(ppid)) {
      found.monitorPid = ppid;
      found.monitorStartTime = processStartTime(ppid);
    }
    return found;
  }
  return undefined;
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** True when a line of /proc/PID/cgroup ("N:controllers:/path") has `id` as a whole path component. */
export function cgroupLinesName(text: string, id: string): boolean {
  return text.split('\n').some((line) =>
    line
      .slice(line.indexOf(':', line.indexOf(':') + 1) + 1)
      .split('/')
      .includes(id),
  );
}

function inCgroupNamed(pid: number, id: string): boolean {
  const text = readProc(pid, 'cgroup');
  return text !== undefined && cgroupLinesName(text, id);
}

/** The PID as seen inside the process's own (innermost) pid namespace: 1 for a namespace's init. */
export function innermostPid(status: string): number | undefined {
  const m = /^NSpid:\s+(.*)$/m.exec(status);
  if (!m) return undefined;
  const ids = m[1].trim().split(/\s+/);
  return Number(ids[ids.length - 1]);
}

function nsPidInside(pid: number): number | undefined {
  return innermostPid(readProc(pid, 'status') ?? '');
}

function parentPid(pid: number): number | undefined {
  const stat = readProc(pid, 'stat');
  if (!stat) return undefined;
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return ppid > 0 ? ppid : undefined;
}

function isHelperBinary(pid: number): boolean {
  try {
    return readlinkSync(`/proc/${pid}/exe`) === realpathSync(helperPath());
  } catch {
    return false;
  }
}
