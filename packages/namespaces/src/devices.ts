import { lstatSync, readdirSync, realpathSync, statSync, type BigIntStats } from 'node:fs';
import { join, posix } from 'node:path';
import { UsageError, type DeviceSpec } from '@mydocker/core';

/** One `--device HOST[:CONTAINER[:PERMISSIONS]]` as Docker's CLI reads it. */
export interface DeviceRequest {
  host: string;
  container: string;
  access: string;
}

/** The nodes every container gets from the helper; the host's are not copied over them. */
const DEFAULT_NODES = new Set(['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty']);

/** Like runc: what a privileged container does not take from the host's /dev. */
const SKIPPED_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);
const SKIPPED_NODES = new Set(['/dev/console', '/dev/ptmx']);

/** r, w and m, each at most once, at least one (Docker's validDeviceMode). */
export function isDeviceAccess(mode: string): boolean {
  return mode.length > 0 && /^[rwm]+$/.test(mode) && new Set(mode).size === mode.length;
}

/** Docker's validateLinuxPath rules and messages: a second field that is a valid mode is the mode. */
export function parseDeviceRequest(raw: string): DeviceRequest {
  const bad = (why: string) => new UsageError(`Invalid --device "${raw}": ${why}.`);
  const parts = raw.split(':');
  if (parts.length > 3 || parts[0] === '') throw bad(`bad format for path: ${raw}`);
  let container = parts[0];
  let access = 'rwm';
  if (parts.length === 2) {
    if (isDeviceAccess(parts[1])) access = parts[1];
    else container = parts[1];
  } else if (parts.length === 3) {
    container = parts[1];
    access = parts[2];
    if (!isDeviceAccess(access)) throw bad(`bad mode specified: ${access} (use any of r, w and m)`);
  }
  if (!posix.isAbsolute(container)) throw bad(`${container} is not an absolute path`);
  return { host: parts[0], container: posix.normalize(container), access };
}

/** Linux's dev_t split (glibc's gnu_dev_major/minor). */
export function splitDev(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & 0xfffff000n);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & 0xffffff00n);
  return { major: Number(major), minor: Number(minor) };
}

function nodeOf(st: BigIntStats, path: string, access: string): DeviceSpec | undefined {
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
  if (!type) return undefined;
  return { path, type, ...splitDev(st.rdev), access, fileMode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid) };
}

/** Every device node under DIR (symlinks are not followed), with its path moved from HOST to CONTAINER. */
function walk(dir: string, host: string, container: string, access: string, skip: (path: string, name: string) => boolean): DeviceSpec[] {
  const out: DeviceSpec[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (skip(path, name)) continue;
    let st: BigIntStats;
    try {
      st = lstatSync(path, { bigint: true });
    } catch {
      continue; // gone while we looked: nothing to copy
    }
    if (st.isDirectory()) out.push(...walk(path, host, container, access, skip));
    else {
      const node = nodeOf(st, container + path.slice(host.length), access);
      if (node) out.push(node);
    }
  }
  return out;
}

/** Resolves one request against the host, as Docker's daemon does (a directory adds the devices in it). */
export function resolveDeviceRequest(req: DeviceRequest): DeviceSpec[] {
  const fail = (why: string) => new UsageError(`Cannot add the device "${req.host}": ${why}.`);
  let st: BigIntStats;
  let host = req.host;
  try {
    st = statSync(host, { bigint: true });
    host = realpathSync(host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : String((err as Error).message));
  }
  if (st.isDirectory()) {
    const found = walk(host, host, req.container, req.access, () => false);
    if (found.length === 0) throw fail('the directory holds no device nodes');
    return found;
  }
  const node = nodeOf(st, req.container, req.access);
  if (!node) throw fail('not a device node');
  return [node];
}

/** Every device node of the host's /dev, for --privileged (Docker shows the host's devices). */
export function hostDevices(root = '/dev'): DeviceSpec[] {
  return walk(root, root, '/dev', 'rwm', (path, name) => SKIPPED_DIRS.has(name) && posix.dirname(path) === root).filter(
    (d) => !DEFAULT_NODES.has(d.path) && !SKIPPED_NODES.has(d.path),
  );
}

/**
 * `record.devices`: the --device nodes, plus every host device when privileged. A later entry for the
 * same container path wins, so an explicit --device can change a privileged node's path or access.
 */
export function resolveDevices(requests: string[], privileged: boolean): DeviceSpec[] {
  const byPath = new Map<string, DeviceSpec>();
  if (privileged) for (const d of hostDevices()) byPath.set(d.path, d);
  for (const raw of requests) for (const d of resolveDeviceRequest(parseDeviceRequest(raw))) byPath.set(d.path, d);
  return [...byPath.values()];
}
