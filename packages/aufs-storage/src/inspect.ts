import type { ContainerInspectView, ContainerRecord, StorageDriver } from '@mydocker/core';
import type { StorageExt, VolumeMount } from './storage';
import { parseMountFlag } from './volumes/mount-spec';
import { mountFlags } from './flags';

/** One entry of Docker's top-level Mounts. */
function mountPoint(v: VolumeMount): Record<string, unknown> {
  if (v.type === 'volume') {
    return {
      Type: 'volume',
      Name: v.name ?? '',
      Source: v.source,
      Destination: v.destination,
      Driver: 'local',
      Mode: v.mode ?? (v.readOnly ? 'ro' : 'z'),
      RW: !v.readOnly,
      Propagation: '',
    };
  }
  if (v.type === 'tmpfs') return { Type: 'tmpfs', Source: '', Destination: v.destination, Mode: '', RW: !v.readOnly, Propagation: '' };
  const mode = v.mode ?? (v.readOnly && v.origin === undefined ? 'ro' : '');
  return { Type: 'bind', Source: v.source, Destination: v.destination, Mode: mode, RW: !v.readOnly, Propagation: v.propagation ?? 'rprivate' };
}

/** A `--mount` flag as Docker's HostConfig.Mounts shows it (the request, not what was made of it). */
function hostConfigMount(flag: string): Record<string, unknown> | undefined {
  let v;
  try {
    v = parseMountFlag(flag);
  } catch {
    return undefined; // validated at run: only an old record could hold one this version refuses
  }
  const base = {
    Type: v.kind === 'named' || v.kind === 'anonymous' ? 'volume' : v.kind,
    Source: v.kind === 'bind' ? v.source : v.kind === 'named' ? v.name : '',
    Target: v.destination,
  };
  const ro = v.readOnly ? { ReadOnly: true } : {};
  if (v.kind === 'bind') return { ...base, ...ro, ...(v.propagation ? { BindOptions: { Propagation: v.propagation } } : {}) };
  if (v.kind === 'tmpfs') {
    const size = /(?:^|,)size=(\d+)([kmg]?)/.exec(v.options);
    const mode = /(?:^|,)mode=([0-7]+)/.exec(v.options);
    const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(size?.[2] ?? '') as ''];
    const opts = { ...(size ? { SizeBytes: Number(size[1]) * mult } : {}), ...(mode ? { Mode: parseInt(mode[1], 8) } : {}) };
    return { ...base, ...ro, ...(Object.keys(opts).length ? { TmpfsOptions: opts } : {}) };
  }
  const opts = { ...(v.noCopy ? { NoCopy: true } : {}), ...(v.labels ? { Labels: v.labels } : {}) };
  return { ...base, ...ro, ...(Object.keys(opts).length ? { VolumeOptions: opts } : {}) };
}

/** `--tmpfs PATH[:OPTIONS]` flags as Docker's HostConfig.Tmpfs: path → options as given. */
function hostConfigTmpfs(flags: string[]): Record<string, string> {
  return Object.fromEntries(flags.map((f) => (f.includes(':') ? [f.slice(0, f.indexOf(':')), f.slice(f.indexOf(':') + 1)] : [f, ''])));
}

/**
 * Docker's Mounts (binds, volumes and --mount tmpfs; not the files the engine itself bind-mounts, nor
 * --tmpfs, which Docker shows only in HostConfig.Tmpfs), HostConfig.Mounts and Tmpfs, and Driver.
 */
export function fillInspect(record: ContainerRecord, view: ContainerInspectView): void {
  const { volumes, mounts, tmpfs } = mountFlags(record.spec ?? {});
  if (volumes.length) view.HostConfig.Binds = [...volumes];
  if (mounts.length) view.HostConfig.Mounts = mounts.map(hostConfigMount).filter((m) => m !== undefined);
  if (tmpfs.length) view.HostConfig.Tmpfs = hostConfigTmpfs(tmpfs);
  const ext = record.ext?.storage as StorageExt | undefined;
  if (!ext || typeof ext !== 'object') return;
  if (typeof ext.driver === 'string') view.Driver = ext.driver;
  if (!Array.isArray(ext.volumes)) return;
  view.Mounts = ext.volumes.filter((v) => !(v.type === 'tmpfs' && v.origin === 'tmpfs')).map(mountPoint);
  const anonymous = ext.volumes.filter((v) => v.type === 'volume' && v.anonymous);
  if (anonymous.length) view.Config.Volumes = Object.fromEntries(anonymous.map((v) => [v.destination, {}]));
}

/**
 * Docker's `SizeRw` (the container layer's bytes), added to `SizeRootFs` too (the image plugin adds its
 * layers), filled only when the view asks for them by holding the fields (`ps -s`): walking a layer is not free.
 */
export async function fillSize(driver: StorageDriver, record: ContainerRecord, view: ContainerInspectView): Promise<void> {
  if (!('SizeRw' in view)) return;
  const ext = record.ext?.storage as StorageExt | undefined;
  if (!ext) return;
  const rw = (await driver.usage(record.id)).bytes;
  view.SizeRw = rw;
  view.SizeRootFs = (typeof view.SizeRootFs === 'number' ? view.SizeRootFs : 0) + rw;
}
