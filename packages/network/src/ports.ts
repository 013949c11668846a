import { truncate, UsageError } from '@mydocker/core';
// node:net's check, not ipaddr.js: parsing -p must not load the CIDR library on every run.
import { isIPv4 } from 'node:net';
import type { IpamState, PortHolder, PortMapping } from './model';

function port(text: string, spec: string): number {
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n < 1 || n > 65535) {
    throw new UsageError(`Invalid port mapping "${truncate(spec)}": ports are numbers from 1 to 65535, as in -p 8080:80.`);
  }
  return n;
}

/** Parses -p HOST:CTR[/proto] and -p IP:HOST:CTR[/proto]. */
export function parsePublish(spec: string): PortMapping {
  const [body, proto = 'tcp', ...extra] = spec.split('/');
  if (extra.length > 0 || (proto !== 'tcp' && proto !== 'udp')) {
    throw new UsageError(`Invalid port mapping "${truncate(spec)}": the protocol must be tcp or udp.`);
  }
  const parts = body.split(':');
  let hostIp = '';
  if (parts.length === 3) {
    hostIp = parts.shift()!;
    if (!isIPv4(hostIp)) throw new UsageError(`Invalid port mapping "${truncate(spec)}": "${hostIp}" is not an IPv4 address.`);
    if (hostIp === '0.0.0.0') hostIp = '';
  }
  if (parts.length !== 2) {
    throw new UsageError(`Invalid port mapping "${truncate(spec)}": use HOST_PORT:CONTAINER_PORT or IP:HOST_PORT:CONTAINER_PORT.`);
  }
  return { protocol: proto, hostIp, hostPort: port(parts[0], spec), containerPort: port(parts[1], spec) };
}

export function portKey(m: PortMapping): string {
  return `${m.protocol}/${m.hostIp || '0.0.0.0'}:${m.hostPort}`;
}

export function describePort(m: PortMapping): string {
  return `${m.hostIp ? `${m.hostIp}:` : ''}${m.hostPort}/${m.protocol}`;
}

/** Two mappings clash on the same protocol and port when their addresses are equal or one is "all". */
export function clashes(a: PortMapping, b: PortMapping): boolean {
  return a.protocol === b.protocol && a.hostPort === b.hostPort && (!a.hostIp || !b.hostIp || a.hostIp === b.hostIp);
}

export function keyToMapping(key: string): PortMapping {
  const m = /^(tcp|udp)\/([\d.]+):(\d+)$/.exec(key);
  if (!m) throw new Error(`corrupt port reservation "${key}"`);
  return { protocol: m[1] as 'tcp' | 'udp', hostIp: m[2] === '0.0.0.0' ? '' : m[2], hostPort: Number(m[3]), containerPort: 0 };
}

/**
 * The first reservation (held by a container for which `alive` holds) that clashes with the request,
 * or a clash inside the request itself.
 */
export function findPortConflict(
  state: IpamState,
  wanted: PortMapping[],
  alive: (holder: PortHolder) => boolean,
): { mapping: PortMapping; holder?: PortHolder } | undefined {
  for (let i = 0; i < wanted.length; i++) {
    for (let j = 0; j < i; j++) if (clashes(wanted[i], wanted[j])) return { mapping: wanted[i] };
    for (const [key, holder] of Object.entries(state.ports)) {
      if (clashes(wanted[i], keyToMapping(key)) && alive(holder)) return { mapping: wanted[i], holder };
    }
  }
  return undefined;
}

export function reservePorts(state: IpamState, wanted: PortMapping[], holder: PortHolder): void {
  for (const m of wanted) {
    for (const key of Object.keys(state.ports)) if (clashes(m, keyToMapping(key))) delete state.ports[key]; // stale: checked dead
    state.ports[portKey(m)] = holder;
  }
}
