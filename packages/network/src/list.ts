import { MydockerError, UsageError } from '@mydocker/core';
import type { IpamState, NetworkConfig } from './model';
import type { DamagedNetwork } from './store';

/** `network ls` fields as Docker's templates name them ({{.ID}}, {{.Name}}, {{.Driver}}, {{.Scope}}, …). */
export interface NetworkRow {
  ID: string;
  Name: string;
  Driver: string;
  Scope: string;
  IPv6: string;
  Internal: string;
  Labels: string;
  CreatedAt: string;
  /** mydocker's extras, kept for the templates that used them. */
  Subnet: string;
  Gateway: string;
  Bridge: string;
}

/** Docker's `table` header for each field. */
export const NETWORK_HEADERS: Record<string, string> = { ID: 'NETWORK ID', CreatedAt: 'CREATED AT', IPv6: 'IPV6' };
export const NETWORK_LS_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

export function networkRow(net: NetworkConfig, noTrunc = false): NetworkRow {
  return {
    ID: noTrunc ? net.id : net.id.slice(0, 12),
    Name: net.name,
    Driver: net.driver,
    Scope: 'local',
    IPv6: 'false',
    Internal: 'false',
    Labels: '',
    CreatedAt: net.createdAt,
    Subnet: net.subnet,
    Gateway: net.gateway,
    Bridge: net.bridge,
  };
}

/** A damaged record is listed too (its fields unknown), so that `network rm NAME` can be found. */
export function damagedRow(d: DamagedNetwork): NetworkRow {
  return {
    ID: '',
    Name: d.name,
    Driver: '',
    Scope: 'local',
    IPv6: 'false',
    Internal: 'false',
    Labels: '',
    CreatedAt: '',
    Subnet: '(damaged)',
    Gateway: '',
    Bridge: '',
  };
}

const FILTER_KEYS = ['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling'];

/** `network ls --filter KEY=VALUE`, as Docker: several values of one key are alternatives. */
export function parseNetworkFilters(values: string[]): Map<string, string[]> {
  const filters = new Map<string, string[]>();
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`Bad format of filter "${value}" (expected name=value).`);
    const key = value.slice(0, eq).toLowerCase();
    // Docker's daemon refuses an unknown key; its client then exits 1.
    if (!FILTER_KEYS.includes(key)) throw new MydockerError(`Invalid filter '${key}'.`, 1);
    filters.set(key, [...(filters.get(key) ?? []), value.slice(eq + 1)]);
  }
  return filters;
}

/**
 * Docker's matching: `name` and `id` match a part of the name / a prefix of the id (name= is a substring
 * match in Docker), `type=custom` is every network made with `network create` (there are no built-in ones
 * in the list), `dangling=true` those without containers.
 */
export function networkMatches(net: NetworkConfig, filters: Map<string, string[]>, ipam: IpamState): boolean {
  const tests: Record<string, (v: string) => boolean> = {
    driver: (v) => net.driver === v,
    id: (v) => net.id.startsWith(v),
    name: (v) => net.name.includes(v),
    label: () => false,
    scope: (v) => v === 'local',
    type: (v) => {
      if (v !== 'custom' && v !== 'builtin') throw new MydockerError(`Invalid filter: 'type'='${v}'.`, 1);
      return v === 'custom';
    },
    dangling: (v) => {
      if (!['true', 'false', '1', '0'].includes(v)) throw new MydockerError(`Invalid filter 'dangling=${v}'.`, 1);
      const unused = Object.keys(ipam.allocations[net.name] ?? {}).length === 0;
      return unused === (v === 'true' || v === '1');
    },
  };
  for (const [key, values] of filters) if (!values.some((v) => tests[key](v))) return false;
  return true;
}
