import { isValidName, UsageError } from '@mydocker/core';
import { isAbsolute, normalize } from 'node:path';

/** One parsed `-v` argument. */
export type VolumeSpec =
  | { kind: 'bind'; source: string; destination: string; readOnly: boolean }
  | { kind: 'named'; name: string; destination: string; readOnly: boolean }
  | { kind: 'anonymous'; destination: string; readOnly: false };

function containerPath(raw: string, spec: string): string {
  if (!isAbsolute(raw)) {
    throw new UsageError(`Invalid volume "${spec}": the container path "${raw}" must be absolute.`);
  }
  const path = normalize(raw).replace(/\/+$/, '') || '/';
  if (path === '/') throw new UsageError(`Invalid volume "${spec}": the container path cannot be "/".`);
  const refusal = forbiddenDestination(path);
  if (refusal) throw new UsageError(`Invalid volume "${spec}": ${refusal}.`);
  return path;
}

/**
 * runc's proc-safety rule (checkProcMount): nothing may be mounted on /proc or inside it, where a host
 * directory would hide or replace the kernel's view the container is confined by, except the files
 * lxcfs emulates. Docker's masked paths outside /proc are refused too: a volume there would unmask them.
 */
export const LXCFS_PROC_FILES = [
  '/proc/cpuinfo', '/proc/diskstats', '/proc/meminfo', '/proc/stat', '/proc/swaps', '/proc/uptime', '/proc/loadavg',
  '/proc/slabinfo', '/proc/net/dev', '/proc/sys/kernel/ns_last_pid', '/proc/sys/crypto/fips_enabled',
];
export const MASKED_SYS_PATHS = ['/sys/firmware', '/sys/devices/virtual/powercap'];

const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

export function forbiddenDestination(path: string): string | undefined {
  if (path === '/proc') return '"/proc" cannot be mounted over: the container needs its own proc file system';
  if (under(path, '/proc') && !LXCFS_PROC_FILES.includes(path)) return `"${path}" cannot be mounted because it is inside /proc`;
  const masked = MASKED_SYS_PATHS.find((m) => under(path, m));
  if (masked) return `"${path}" cannot be mounted because ${masked} is masked in every container`;
  return undefined;
}

function mode(raw: string | undefined, spec: string): boolean {
  if (raw === undefined || raw === 'rw') return false;
  if (raw === 'ro') return true;
  throw new UsageError(`Invalid volume "${spec}": the mode "${raw}" is not "ro" or "rw".`);
}

/**
 * Docker's three forms: `/host:/ctr[:ro|rw]` (bind), `name:/ctr[:ro|rw]` (named volume) and `/ctr`
 * (anonymous volume). Anything else is refused with one sentence.
 */
export function parseVolumeSpec(spec: string): VolumeSpec {
  if (spec.trim() === '') throw new UsageError('Invalid volume "": give /host/path:/container/path, name:/container/path or /container/path.');
  const parts = spec.split(':');
  if (parts.some((p) => p === '')) throw new UsageError(`Invalid volume "${spec}": it has an empty field.`);
  if (parts.length > 3) throw new UsageError(`Invalid volume "${spec}": too many ":" separated fields (expected source:destination[:ro|rw]).`);
  if (parts.length === 1) {
    return { kind: 'anonymous', destination: containerPath(parts[0], spec), readOnly: false };
  }
  const [source, dest, opts] = parts;
  const destination = containerPath(dest, spec);
  const readOnly = mode(opts, spec);
  if (isAbsolute(source)) return { kind: 'bind', source: normalize(source).replace(/(.)\/+$/, '$1'), destination, readOnly };
  if (!isValidName(source)) {
    throw new UsageError(
      `Invalid volume "${spec}": "${source}" is neither an absolute host path nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*).`,
    );
  }
  return { kind: 'named', name: source, destination, readOnly };
}

/** Parses every `-v`, refusing two volumes on the same container path. */
export function parseVolumeSpecs(specs: string[]): VolumeSpec[] {
  const parsed = specs.map(parseVolumeSpec);
  const seen = new Set<string>();
  for (const v of parsed) {
    if (seen.has(v.destination)) throw new UsageError(`Duplicate mount point: ${v.destination} is given by more than one -v.`);
    seen.add(v.destination);
  }
  return parsed;
}
