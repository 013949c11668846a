import { statSync } from 'node:fs';
import { newSha256, type ContainerRecord } from '@mydocker/core';
import type { NetworkEnv } from './context';
import type { NetworkRow } from './list';

/**
 * Docker's pre-defined networks `host` (driver host) and `none` (driver null): no record, no bridge, no
 * address; they are the `--net host` / `--net none` modes, listed by `network ls`, shown by `network
 * inspect`, and never removed. Their ids are stable per engine root (Docker's are random per daemon).
 */
export const PREDEFINED = { host: 'host', none: 'null' } as const;
export type PredefinedName = keyof typeof PREDEFINED;

export function isPredefined(name: string): name is PredefinedName {
  return name === 'host' || name === 'none';
}

export function predefinedId(env: NetworkEnv, name: PredefinedName): string {
  return newSha256().update(`mydocker:${env.paths.rootHash}:network:${name}`).digest('hex');
}

/** `host`/`none` by name or by a prefix of their id (at least 6 characters, as for other networks). */
export function predefinedNamed(env: NetworkEnv, ref: string): PredefinedName | undefined {
  if (isPredefined(ref)) return ref;
  if (ref.length < 6) return undefined;
  return (['host', 'none'] as const).find((name) => predefinedId(env, name).startsWith(ref));
}

/** The engine root's creation: when these networks came to be. */
function createdAt(env: NetworkEnv): string {
  try {
    const st = statSync(env.bus.config.root);
    return (st.birthtimeMs > 0 ? st.birthtime : st.ctime).toISOString();
  } catch {
    return new Date(0).toISOString();
  }
}

export function predefinedRow(env: NetworkEnv, name: PredefinedName, noTrunc = false): NetworkRow {
  const id = predefinedId(env, name);
  return {
    ID: noTrunc ? id : id.slice(0, 12),
    Name: name,
    Driver: PREDEFINED[name],
    Scope: 'local',
    IPv6: 'false',
    Internal: 'false',
    Labels: '',
    CreatedAt: createdAt(env),
    Subnet: '',
    Gateway: '',
    Bridge: '',
  };
}

/** `network ls --filter`: Docker's keys on a pre-defined network (which is never dangling). */
export function predefinedMatches(row: NetworkRow, fullId: string, filters: Map<string, string[]>): boolean {
  const tests: Record<string, (v: string) => boolean> = {
    driver: (v) => row.Driver === v,
    id: (v) => fullId.startsWith(v),
    name: (v) => row.Name.includes(v),
    label: () => false,
    scope: (v) => v === 'local',
    type: (v) => v === 'builtin',
    dangling: (v) => v === 'false' || v === '0',
  };
  for (const [key, values] of filters) if (!values.some((v) => tests[key](v))) return false;
  return true;
}

/** `network inspect host|none`, as Docker shows it: its running containers, no IPAM configuration. */
export async function predefinedView(env: NetworkEnv, name: PredefinedName): Promise<unknown> {
  const records: ContainerRecord[] = env.bus.has('stateStore') ? await env.bus.need('stateStore').list() : [];
  const containers: Record<string, unknown> = {};
  for (const r of records) {
    const mode = (r.ext?.network as { mode?: string } | undefined)?.mode;
    if (mode === name && r.status === 'running') {
      containers[r.id] = { Name: r.name, EndpointID: '', MacAddress: '', IPv4Address: '', IPv6Address: '' };
    }
  }
  return {
    Name: name,
    Id: predefinedId(env, name),
    Created: createdAt(env),
    Scope: 'local',
    Driver: PREDEFINED[name],
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: {},
    Labels: {},
  };
}
