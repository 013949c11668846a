import { UsageError } from '@mydocker/core';
import { statSync } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';

/**
 * `volume create -o/--opt KEY=VALUE` as Docker's local driver takes them: `type` (a filesystem type, or
 * `none` with `o=bind`), `device` and `o` (mount options). Two kinds are supported, the two the local
 * driver's documentation shows without a block device or a network: a tmpfs
 * (`-o type=tmpfs -o device=tmpfs -o o=size=100m,uid=1000`) and a bind of a host directory
 * (`-o type=none -o o=bind -o device=/srv/data`).
 */
export function parseVolumeOptions(raw: string[]): Record<string, string> {
  const opts: Record<string, string> = {};
  for (const entry of raw) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid volume option "${entry}": use KEY=VALUE (type=, device=, o=).`);
    const key = entry.slice(0, eq);
    if (!['type', 'device', 'o'].includes(key)) throw new UsageError(`Invalid volume option key "${key}": the local driver takes type, device and o.`);
    opts[key] = entry.slice(eq + 1);
  }
  if (Object.keys(opts).length === 0) return opts;
  volumeSource(opts, 'the new volume');
  if (opts.type !== 'tmpfs') {
    const device = opts.device;
    let dir = false;
    try {
      dir = statSync(device).isDirectory();
    } catch {
      // reported below
    }
    if (!dir) throw new UsageError(`The bind device "${device}" is not an existing directory on the host.`);
  }
  return opts;
}

export type VolumeSource = { kind: 'directory' } | { kind: 'bind'; source: string } | { kind: 'tmpfs'; data: string };

/** What a volume with these options mounts in a container: its own _data, a host directory, or a tmpfs. */
export function volumeSource(opts: Record<string, string> | undefined, name: string): VolumeSource {
  if (!opts || Object.keys(opts).length === 0) return { kind: 'directory' };
  const { type, device, o = '' } = opts;
  const words = o ? o.split(',') : [];
  if (type === 'tmpfs') return { kind: 'tmpfs', data: o };
  if (type === 'none' && words.includes('bind') && device && isAbsolute(device)) {
    return { kind: 'bind', source: normalize(device).replace(/(.)\/+$/, '$1') };
  }
  throw new UsageError(
    `The options of ${name} (type=${type ?? ''}) are not supported: this local driver mounts -o type=tmpfs -o device=tmpfs [-o o=size=…] or -o type=none -o o=bind -o device=/absolute/host/dir.`,
  );
}
