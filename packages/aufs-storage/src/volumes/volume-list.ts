import { MydockerError, UsageError } from '@mydocker/core';
import type { VolumeInfo } from './volume-store';

/** `volume inspect`'s JSON, Docker's shape. */
export function volumeInspectView(v: VolumeInfo): Record<string, unknown> {
  return {
    CreatedAt: v.createdAt,
    Driver: 'local',
    Labels: volumeLabels(v),
    Mountpoint: v.mountpoint,
    Name: v.name,
    // dockerd writes null here, but the swagger's Volume requires an object (the Engine API is checked against it).
    Options: v.options ?? {},
    Scope: 'local',
  };
}

export function volumeLabels(v: VolumeInfo): Record<string, string> {
  return { ...(v.labels ?? {}), ...(v.anonymous ? { 'com.docker.volume.anonymous': '' } : {}) };
}

/** `volume ls` fields as Docker's templates name them. */
export function volumeRow(v: VolumeInfo): Record<string, string> {
  const labels = volumeLabels(v);
  return {
    Name: v.name,
    Driver: 'local',
    Scope: 'local',
    Mountpoint: v.mountpoint,
    Labels: Object.entries(labels)
      .map(([k, val]) => `${k}=${val}`)
      .join(','),
    Links: 'N/A',
    Size: 'N/A',
    CreatedAt: v.createdAt,
  };
}

export const VOLUME_HEADERS: Record<string, string> = { Name: 'VOLUME NAME', CreatedAt: 'CREATED AT' };
export const VOLUME_LS_TABLE = 'table {{.Driver}}\t{{.Name}}';

const KEYS = ['name', 'label', 'dangling', 'driver'];

/** `volume ls --filter KEY=VALUE`: values of one key are alternatives, different keys must all match. */
export function parseVolumeFilters(values: string[]): Map<string, string[]> {
  const filters = new Map<string, string[]>();
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`Bad format of filter "${value}" (expected name=value).`);
    const key = value.slice(0, eq).toLowerCase();
    if (!KEYS.includes(key)) throw new MydockerError(`Invalid filter '${key}'.`, 1);
    const v = value.slice(eq + 1);
    if (key === 'dangling' && !['true', 'false', '1', '0'].includes(v)) throw new MydockerError(`Invalid filter 'dangling=${v}'.`, 1);
    filters.set(key, [...(filters.get(key) ?? []), v]);
  }
  return filters;
}

/** Docker's matching: `name` is a substring, `label` is KEY or KEY=VALUE, `dangling` means no container uses it. */
export function volumeMatches(v: VolumeInfo, filters: Map<string, string[]>, inUse: Set<string>): boolean {
  const labels = volumeLabels(v);
  const tests: Record<string, (value: string) => boolean> = {
    name: (value) => v.name.includes(value),
    driver: (value) => value === 'local',
    label: (value) => {
      const eq = value.indexOf('=');
      return eq < 0 ? value in labels : labels[value.slice(0, eq)] === value.slice(eq + 1);
    },
    dangling: (value) => !inUse.has(v.name) === (value === 'true' || value === '1'),
  };
  for (const [key, values] of filters) if (!values.some((value) => tests[key](value))) return false;
  return true;
}
