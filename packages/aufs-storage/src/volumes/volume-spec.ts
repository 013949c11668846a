import { isValidName, UsageError } from '@mydocker/core';
import { isAbsolute, normalize } from 'node:path';

/**
 * One parsed `-v`, `--mount` or `--tmpfs` argument. `origin` is set for the last two (Docker reports them in
 * HostConfig.Mounts and HostConfig.Tmpfs, not Binds); `mode` is the raw option field of a `-v` (inspect's
 * Mode). Optional fields are present only when given.
 */
export type VolumeSpec =
  | { kind: 'bind'; source: string; destination: string; readOnly: boolean; propagation?: string; mode?: string; origin?: 'mount' }
  | { kind: 'named'; name: string; destination: string; readOnly: boolean; noCopy?: boolean; mode?: string; labels?: Record<string, string>; origin?: 'mount' }
  | { kind: 'anonymous'; destination: string; readOnly: boolean; noCopy?: boolean; labels?: Record<string, string>; origin?: 'mount' }
  | { kind: 'tmpfs'; destination: string; readOnly: boolean; options: string; origin: 'mount' | 'tmpfs' };

export const PROPAGATIONS = ['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'];

export function containerPath(raw: string, spec: string, what = 'volume'): string {
  if (!isAbsolute(raw)) {
    throw new UsageError(`Invalid ${what} "${spec}": the container path "${raw}" must be absolute.`);
  }
  const path = normalize(raw).replace(/\/+$/, '') || '/';
  if (path === '/') throw new UsageError(`Invalid ${what} "${spec}": the container path cannot be "/".`);
  const refusal = forbiddenDestination(path);
  if (refusal) throw new UsageError(`Invalid ${what} "${spec}": ${refusal}.`);
  return path;
}

/**
 * runc's proc-safety rule (checkProcMount): nothing may be mounted on /proc or inside it, where a host
 * directory would hide or replace the kernel's view the container is confined by, except the files
 * lxcfs emulates. Docker's masked paths outside /proc are refused too: a volume there would unmask them.
 */
export const LXCFS_PROC_FILES = [
  '/proc/cpuinfo',
  '/proc/diskstats',
  '/proc/meminfo',
  '/proc/stat',
  '/proc/swaps',
  '/proc/uptime',
  '/proc/loadavg',
  '/proc/slabinfo',
  '/proc/net/dev',
  '/proc/sys/kernel/ns_last_pid',
  '/proc/sys/crypto/fips_enabled',
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

interface VolumeMode {
  readOnly: boolean;
  propagation?: string;
  noCopy?: boolean;
}

/**
 * The option field of `-v` (Docker's linuxValidMountMode): a comma list of at most one of rw/ro, one
 * SELinux label (z, Z: accepted and ignored, as Docker does on a host without SELinux), one propagation,
 * one of nocopy, and one consistency word (consistent, cached, delegated: meaningful only on macOS).
 */
function parseMode(raw: string | undefined, spec: string): VolumeMode {
  const out: VolumeMode = { readOnly: false };
  if (raw === undefined) return out;
  const seen = new Set<string>();
  const once = (group: string) => {
    if (seen.has(group)) throw new UsageError(`Invalid volume "${spec}": invalid mode "${raw}" (more than one ${group} option).`);
    seen.add(group);
  };
  for (const word of raw.split(',')) {
    if (word === 'ro' || word === 'rw') {
      once('rw/ro');
      out.readOnly = word === 'ro';
    } else if (word === 'z' || word === 'Z') once('SELinux label');
    else if (PROPAGATIONS.includes(word)) {
      once('propagation');
      out.propagation = word;
    } else if (word === 'nocopy') {
      once('nocopy');
      out.noCopy = true;
    } else if (['consistent', 'cached', 'delegated'].includes(word)) once('consistency');
    else throw new UsageError(`Invalid volume "${spec}": invalid mode "${word}" (use ro or rw, z or Z, a propagation such as rprivate, nocopy).`);
  }
  return out;
}

/**
 * Docker's three forms: `/host:/ctr[:MODE]` (bind), `name:/ctr[:MODE]` (named volume) and `/ctr`
 * (anonymous volume), MODE being a comma list (ro, rw, z, Z, rshared, ..., nocopy). Anything else is
 * refused with one sentence.
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
  const m = parseMode(opts, spec);
  const extra = opts !== undefined && opts !== 'rw' && opts !== 'ro' ? { mode: opts } : {};
  if (isAbsolute(source)) {
    if (m.noCopy) throw new UsageError(`Invalid volume "${spec}": nocopy applies to volumes, not to a bind mount of a host path.`);
    return {
      kind: 'bind',
      source: normalize(source).replace(/(.)\/+$/, '$1'),
      destination,
      readOnly: m.readOnly,
      ...(m.propagation ? { propagation: m.propagation } : {}),
      ...extra,
    };
  }
  if (!isValidName(source)) {
    throw new UsageError(`Invalid volume "${spec}": "${source}" is neither an absolute host path nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*).`);
  }
  if (m.propagation) throw new UsageError(`Invalid volume "${spec}": a propagation (${m.propagation}) applies to bind mounts of host paths, not to volumes.`);
  return { kind: 'named', name: source, destination, readOnly: m.readOnly, ...(m.noCopy ? { noCopy: true } : {}), ...extra };
}

/** Parses every `-v`, refusing two volumes on the same container path. */
export function parseVolumeSpecs(specs: string[], more: VolumeSpec[] = []): VolumeSpec[] {
  const parsed = [...specs.map(parseVolumeSpec), ...more];
  const seen = new Set<string>();
  for (const v of parsed) {
    if (seen.has(v.destination)) throw new UsageError(`Duplicate mount point: ${v.destination} is given by more than one -v, --mount or --tmpfs.`);
    seen.add(v.destination);
  }
  return parsed;
}
