import type { FlagValue, FlagValues } from './flags';
import type { RunSpec } from './model';

/**
 * Records written before plugins declared their own flags kept those flags' values in RunSpec fields of
 * their own (`resources`, `volumes`, `publish`, `capAdd`, ...). Nothing reads those fields any more, so a
 * `start` of such a container would silently lose its limits, ports, volumes and privileges: the state
 * store moves them, on read, to where each plugin now reads them, `spec.flags[plugin][flag]`, exactly as
 * the CLI would have stored the same flags. Core knows the old shape because it was core's model; the
 * owners are the names the built-in plugins declare their flags under.
 */

type Legacy = Record<string, unknown>;

/** One old field → the flag (owner, name) that now holds it. */
const FIELDS: Array<{ field: string; owner: string; flag: string }> = [
  { field: 'volumes', owner: 'storage', flag: 'volume' },
  { field: 'mounts', owner: 'storage', flag: 'mount' },
  { field: 'tmpfs', owner: 'storage', flag: 'tmpfs' },
  { field: 'network', owner: 'network', flag: 'network' },
  { field: 'publish', owner: 'network', flag: 'publish' },
  { field: 'publishAll', owner: 'network', flag: 'publish-all' },
  { field: 'capAdd', owner: 'namespaces', flag: 'cap-add' },
  { field: 'capDrop', owner: 'namespaces', flag: 'cap-drop' },
  { field: 'privileged', owner: 'namespaces', flag: 'privileged' },
  { field: 'securityOpt', owner: 'namespaces', flag: 'security-opt' },
  { field: 'devices', owner: 'namespaces', flag: 'device' },
  { field: 'init', owner: 'namespaces', flag: 'init' },
  { field: 'logOpts', owner: 'logs', flag: 'log-opt' },
  { field: 'logDriver', owner: 'logs', flag: 'log-driver' },
  { field: 'pull', owner: 'images', flag: 'pull' },
  { field: 'platform', owner: 'images', flag: 'platform' },
];

/** Fields of old objects (`resources`, `networkOptions`, `health`) → their flags. */
const NESTED: Record<string, { owner: string; flags: Record<string, string> }> = {
  resources: {
    owner: 'cgroups',
    flags: {
      memory: 'memory',
      memorySwap: 'memory-swap',
      cpuShares: 'cpu-shares',
      cpus: 'cpus',
      cpusetCpus: 'cpuset-cpus',
      cpusetMems: 'cpuset-mems',
      pidsLimit: 'pids-limit',
    },
  },
  networkOptions: {
    owner: 'network',
    flags: {
      aliases: 'network-alias',
      addHosts: 'add-host',
      dns: 'dns',
      dnsSearch: 'dns-search',
      dnsOptions: 'dns-option',
      macAddress: 'mac-address',
      ip: 'ip',
    },
  },
  health: {
    owner: 'namespaces',
    flags: {
      cmd: 'health-cmd',
      interval: 'health-interval',
      timeout: 'health-timeout',
      retries: 'health-retries',
      startPeriod: 'health-start-period',
    },
  },
};

/** A stored value as the flag parser gives it; undefined for "not given" (empty lists, false switches). */
function asFlagValue(value: unknown): FlagValue | undefined {
  if (Array.isArray(value)) return value.length > 0 ? value.map(String) : undefined;
  if (typeof value === 'boolean') return value ? true : undefined;
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return undefined;
}

/**
 * Moves the old plugin fields of a stored spec into `spec.flags` (in place) and deletes them. A value
 * already under `flags` wins; a spec without old fields is left as it was. True when anything moved.
 */
export function migrateLegacyRunSpec(spec: RunSpec): boolean {
  const old = spec as unknown as Legacy;
  const moved: Record<string, FlagValues> = {};
  const put = (owner: string, flag: string, value: FlagValue | undefined) => {
    if (value !== undefined) (moved[owner] ??= {})[flag] = value;
  };
  let found = false;
  for (const { field, owner, flag } of FIELDS) {
    if (!(field in old)) continue;
    found = true;
    // --init=false was a choice too (over the config's default): keep it.
    put(owner, flag, field === 'init' && old[field] === false ? false : asFlagValue(old[field]));
    delete old[field];
  }
  for (const [field, { owner, flags }] of Object.entries(NESTED)) {
    const value = old[field];
    if (!(field in old)) continue;
    found = true;
    delete old[field];
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, flag] of Object.entries(flags)) put(owner, flag, asFlagValue((value as Legacy)[key]));
    if (field === 'health' && (value as Legacy).none === true) put(owner, 'healthcheck', false);
  }
  if (!found) return false;
  const flags = (spec.flags ??= {});
  for (const [owner, values] of Object.entries(moved)) flags[owner] = { ...values, ...flags[owner] };
  if (Object.keys(flags).length === 0) delete spec.flags;
  return true;
}
