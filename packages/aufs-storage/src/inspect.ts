import type { ContainerInspectView, ContainerRecord } from '@mydocker/core';
import type { StorageExt } from './storage';

/** Docker's Mounts (binds and volumes, not the files the engine itself bind-mounts) and Driver. */
export function fillInspect(record: ContainerRecord, view: ContainerInspectView): void {
  const ext = record.ext?.storage as StorageExt | undefined;
  if (!ext || typeof ext !== 'object') return;
  if (typeof ext.driver === 'string') view.Driver = ext.driver;
  if (!Array.isArray(ext.volumes)) return;
  view.Mounts = ext.volumes.map((v) =>
    v.type === 'volume'
      ? { Type: 'volume', Name: v.name ?? '', Source: v.source, Destination: v.destination, Driver: 'local', Mode: v.readOnly ? 'ro' : 'z', RW: !v.readOnly, Propagation: '' }
      : { Type: 'bind', Source: v.source, Destination: v.destination, Mode: v.readOnly ? 'ro' : '', RW: !v.readOnly, Propagation: 'rprivate' },
  );
  const anonymous = ext.volumes.filter((v) => v.type === 'volume' && v.anonymous);
  if (anonymous.length) view.Config.Volumes = Object.fromEntries(anonymous.map((v) => [v.destination, {}]));
}
