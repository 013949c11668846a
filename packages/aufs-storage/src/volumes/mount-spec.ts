import { isValidName, UsageError, type RunSpec } from '@mydocker/core';
import { mountFlags } from '../flags';
import { isAbsolute, normalize } from 'node:path';
import { containerPath, parseVolumeSpecs, PROPAGATIONS, type VolumeSpec } from './volume-spec';

/**
 * One line of CSV as Go's encoding/csv reads it (which is what Docker's `--mount` uses): comma-separated
 * fields, a field that starts with `"` is quoted (a comma inside is text, `""` is one quote), and a quote
 * inside an unquoted field is an error. A dozen lines of our own: a CSV library would be for files.
 */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('extraneous or missing " in quoted-field');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new Error('extraneous or missing " in quoted-field');
    } else {
      while (i < line.length && line[i] !== ',') {
        if (line[i] === '"') throw new Error('bare " in non-quoted-field');
        field += line[i++];
      }
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** Docker's RAMInBytes (go-units): a number with an optional b, k, m, g, t, p suffix (binary multiples). */
export function ramInBytes(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(raw.trim());
  if (!m) return undefined;
  const unit = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 }[m[2].toLowerCase() as '' | 'k'];
  const bytes = Math.floor(parseFloat(m[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** tmpfs-size as Docker turns it into a mount option: the largest of g, m, k that divides it evenly. */
function sizeOption(bytes: number): string {
  for (const [suffix, div] of [
    ['g', 2 ** 30],
    ['m', 2 ** 20],
    ['k', 2 ** 10],
  ] as const) {
    if (bytes % div === 0) return `size=${bytes / div}${suffix}`;
  }
  return `size=${bytes}`;
}

function parseBool(key: string, value: string, flag: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw refusal(flag, `invalid value for ${key}: ${value}`);
}

const refusal = (flag: string, why: string) => new UsageError(`Invalid argument "${flag}" for "--mount" flag: ${why}.`);

/**
 * `--mount type=bind|volume|tmpfs,source=…,target=…[,readonly][,bind-propagation=…][,volume-nocopy]
 * [,volume-label=K=V][,tmpfs-size=…][,tmpfs-mode=…]`, with Docker's key spellings (src, dst, destination, ro)
 * and Docker's rules: type defaults to volume, target is required, bind-/volume-/tmpfs- options only with
 * their own type, a bind's source must be an absolute host path (and, unlike -v, must exist).
 */
export function parseMountFlag(flag: string): VolumeSpec {
  let fields: string[];
  try {
    fields = parseCsvLine(flag);
  } catch (err) {
    throw refusal(flag, (err as Error).message);
  }
  const m: MountFields = { type: 'volume', source: '', target: '', readOnly: false, labels: {}, used: { bind: false, volume: false, tmpfs: false } };
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq === -1 ? field : field.slice(0, eq)).toLowerCase();
    if (eq === -1) bareField(m, key, field, flag);
    else keyValueField(m, key, field.slice(eq + 1), field, flag);
  }
  if (m.type !== 'bind' && m.type !== 'volume' && m.type !== 'tmpfs')
    throw refusal(flag, `mount type "${m.type}" is not supported here (use bind, volume or tmpfs)`);
  if (m.target === '') throw refusal(flag, 'target is required');
  for (const other of ['bind', 'volume', 'tmpfs'] as const) {
    if (m.used[other] && other !== m.type) throw refusal(flag, `cannot mix '${other}-*' options with mount type '${m.type}'`);
  }
  return mountSpecOf(m, containerPath(m.target, flag, 'mount'));
}

/** What the fields of one `--mount` said so far. */
interface MountFields {
  type: string;
  source: string;
  target: string;
  readOnly: boolean;
  propagation?: string;
  noCopy?: boolean;
  labels: Record<string, string>;
  size?: number;
  mode?: number;
  /** Which type's own options (bind-*, volume-*, tmpfs-*) were given: only that type takes them. */
  used: { bind: boolean; volume: boolean; tmpfs: boolean };
}

/** A field without `=`: readonly/ro and volume-nocopy are switches; anything else is refused. */
function bareField(m: MountFields, key: string, field: string, flag: string): void {
  if (key === 'readonly' || key === 'ro') m.readOnly = true;
  else if (key === 'volume-nocopy') {
    m.noCopy = true;
    m.used.volume = true;
  } else if (key === 'bind-nonrecursive') throw refusal(flag, 'bind-nonrecursive is not supported (binds are always recursive here)');
  else throw refusal(flag, `invalid field '${field}' must be a key=value pair`);
}

/** A `key=value` field, with Docker's spellings and checks. */
function keyValueField(m: MountFields, key: string, value: string, field: string, flag: string): void {
  switch (key) {
    case 'type':
      m.type = value.toLowerCase();
      break;
    case 'source':
    case 'src':
      m.source = value;
      break;
    case 'target':
    case 'dst':
    case 'destination':
      m.target = value;
      break;
    case 'readonly':
    case 'ro':
      m.readOnly = parseBool(key, value, flag);
      break;
    case 'consistency':
      break; // macOS only, as in Docker on Linux
    case 'bind-propagation':
      if (!PROPAGATIONS.includes(value.toLowerCase())) throw refusal(flag, `invalid bind-propagation "${value}" (use ${PROPAGATIONS.join(', ')})`);
      m.propagation = value.toLowerCase();
      m.used.bind = true;
      break;
    case 'volume-nocopy':
      m.noCopy = parseBool(key, value, flag);
      m.used.volume = true;
      break;
    case 'volume-label': {
      const [k, ...v] = value.split('=');
      m.labels[k] = v.join('=');
      m.used.volume = true;
      break;
    }
    case 'volume-driver':
      if (value !== 'local') throw refusal(flag, `the volume driver "${value}" is not installed (only local is)`);
      m.used.volume = true;
      break;
    case 'tmpfs-size':
      m.size = ramInBytes(value);
      if (m.size === undefined) throw refusal(flag, `invalid tmpfs-size "${value}" (e.g. 64m)`);
      m.used.tmpfs = true;
      break;
    case 'tmpfs-mode':
      if (!/^[0-7]{1,4}$/.test(value)) throw refusal(flag, `invalid tmpfs-mode "${value}" (an octal mode such as 1777)`);
      m.mode = parseInt(value, 8);
      m.used.tmpfs = true;
      break;
    default:
      throw refusal(flag, `unexpected key '${key}' in '${field}'`);
  }
}

/** The volume spec of checked fields, by type. */
function mountSpecOf(m: MountFields, destination: string): VolumeSpec {
  const { source, readOnly } = m;
  if (m.type === 'tmpfs') {
    if (source !== '') throw new UsageError(`Invalid mount config for type "tmpfs": field Source must not be specified.`);
    // Docker starts every tmpfs from noexec,nosuid,nodev (daemon/oci_linux.go).
    const options = ['noexec', 'nosuid', 'nodev', m.size !== undefined ? sizeOption(m.size) : '', m.mode !== undefined ? `mode=${m.mode.toString(8)}` : '']
      .filter(Boolean)
      .join(',');
    return { kind: 'tmpfs', destination, readOnly, options, origin: 'mount' };
  }
  if (m.type === 'bind') {
    if (source === '') throw new UsageError(`Invalid mount config for type "bind": field Source must not be empty.`);
    if (!isAbsolute(source)) throw new UsageError(`Invalid mount config for type "bind": invalid mount path: '${source}' mount path must be absolute.`);
    return {
      kind: 'bind',
      source: normalize(source).replace(/(.)\/+$/, '$1'),
      destination,
      readOnly,
      ...(m.propagation ? { propagation: m.propagation } : {}),
      origin: 'mount',
    };
  }
  const volumeExtra = { ...(m.noCopy ? { noCopy: m.noCopy } : {}), ...(Object.keys(m.labels).length ? { labels: m.labels } : {}), origin: 'mount' as const };
  if (source === '') return { kind: 'anonymous', destination, readOnly, ...volumeExtra };
  if (!isValidName(source)) throw new UsageError(`Invalid mount config for type "volume": "${source}" is not a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*).`);
  return { kind: 'named', name: source, destination, readOnly, ...volumeExtra };
}

/** Words `--tmpfs` options may hold: mount(8) flags and tmpfs's own keys (the helper splits them). */
const TMPFS_FLAGS = new Set([
  'ro',
  'rw',
  'exec',
  'noexec',
  'suid',
  'nosuid',
  'dev',
  'nodev',
  'sync',
  'async',
  'atime',
  'noatime',
  'diratime',
  'nodiratime',
  'relatime',
  'strictatime',
]);
const TMPFS_KEYS = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

/**
 * `--tmpfs /path[:OPTIONS]`, OPTIONS being mount(8)'s: `--tmpfs /run:rw,noexec,nosuid,size=65536k`. Docker
 * starts every tmpfs from noexec,nosuid,nodev; the options given override those words.
 */
export function parseTmpfsFlag(spec: string): VolumeSpec {
  const colon = spec.indexOf(':');
  const path = colon === -1 ? spec : spec.slice(0, colon);
  const options = colon === -1 ? '' : spec.slice(colon + 1);
  if (path === '') throw new UsageError(`Invalid tmpfs "${spec}": give /container/path[:options].`);
  const destination = containerPath(path, spec, 'tmpfs');
  let readOnly = false;
  const kept: string[] = [];
  for (const word of options ? options.split(',') : []) {
    const key = word.split('=')[0];
    if (word === 'ro' || word === 'rw') readOnly = word === 'ro';
    else if (TMPFS_FLAGS.has(word) || (word.includes('=') && TMPFS_KEYS.has(key))) kept.push(word);
    else throw new UsageError(`Invalid tmpfs "${spec}": unknown option "${word}" (use mount options such as size=64m, mode=1777, noexec, exec).`);
  }
  return { kind: 'tmpfs', destination, readOnly, options: ['noexec', 'nosuid', 'nodev', ...kept].join(','), origin: 'tmpfs' };
}

/** Every -v, --mount and --tmpfs of a run, parsed, with no two on one container path. */
export function parseRunMounts(spec: RunSpec): VolumeSpec[] {
  const { volumes, mounts, tmpfs } = mountFlags(spec);
  return parseVolumeSpecs(volumes, [...mounts.map(parseMountFlag), ...tmpfs.map(parseTmpfsFlag)]);
}
