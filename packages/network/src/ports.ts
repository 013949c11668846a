import { truncate, UsageError } from '@mydocker/core';
// node:net's check, not ipaddr.js: parsing -p must not load the CIDR library on every run.
import { isIPv4, isIPv6 } from 'node:net';
import type { IpamState, PortHolder, PortMapping } from './model';
import { exposeFlags, publishAllFlag, publishFlags } from './flags';
import type { ImageConfig, RunSpec } from '@mydocker/core';

function port(text: string, spec: string): number {
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n < 1 || n > 65535) {
    throw new UsageError(`Invalid port mapping "${truncate(spec)}": ports are numbers from 1 to 65535, as in -p 8080:80.`);
  }
  return n;
}

/** "8000" or "8000-8010" → [first, last]. */
function portRange(text: string, spec: string): [number, number] {
  const [a, b, ...extra] = text.split('-');
  const first = port(a, spec);
  const last = b === undefined ? first : port(b, spec);
  if (extra.length > 0 || last < first)
    throw new UsageError(`Invalid port range "${truncate(text)}" in "${truncate(spec)}": use FIRST-LAST with FIRST <= LAST.`);
  return [first, last];
}

/** An IPv6 host address (given in brackets, kept without them): such a port is served by the userland proxy. */
export function isV6(m: Pick<PortMapping, 'hostIp'>): boolean {
  return m.hostIp.includes(':');
}

/** The host address part: "" for every address (IPv4 and, where the host has it, IPv6); IPv6 in brackets. */
function hostAddress(text: string, spec: string): string {
  if (text.startsWith('[') && text.endsWith(']')) {
    const v6 = text.slice(1, -1).toLowerCase();
    if (!isIPv6(v6) || v6.includes('%') || v6.includes('.')) {
      throw new UsageError(`Invalid port mapping "${truncate(spec)}": "${truncate(text)}" is not an IPv6 address.`);
    }
    return v6;
  }
  if (!isIPv4(text))
    throw new UsageError(`Invalid port mapping "${truncate(spec)}": "${truncate(text)}" is not an IPv4 address (IPv6 addresses go in brackets).`);
  return text === '0.0.0.0' ? '' : text;
}

/** "[::1]:8080:80" → ["[::1]", "8080", "80"]; other forms split on ":". */
function splitSpec(body: string, spec: string): string[] {
  if (!body.startsWith('[')) return body.split(':');
  const close = body.indexOf(']');
  if (close < 0 || body[close + 1] !== ':') {
    throw new UsageError(`Invalid port mapping "${truncate(spec)}": use [IPV6]:HOST_PORT:CONTAINER_PORT or [IPV6]::CONTAINER_PORT.`);
  }
  const rest = body.slice(close + 2).split(':');
  if (rest.length !== 2) throw new UsageError(`Invalid port mapping "${truncate(spec)}": use [IPV6]:HOST_PORT:CONTAINER_PORT or [IPV6]::CONTAINER_PORT.`);
  return [body.slice(0, close + 1), ...rest];
}

/**
 * Docker's -p forms: CTR, HOST:CTR, IP:HOST:CTR, IP::CTR, each port part a single port or a range
 * (FIRST-LAST), with /tcp or /udp. A missing host port is chosen by the kernel when the port is bound
 * (hostPort 0); a host range for one container port takes the first free port of the range
 * (hostPortEnd). Equal-sized ranges map port to port.
 */
export function parsePublishes(spec: string): PortMapping[] {
  const slash = spec.lastIndexOf('/');
  const body = slash < 0 ? spec : spec.slice(0, slash);
  const proto = slash < 0 ? 'tcp' : spec.slice(slash + 1);
  if (proto !== 'tcp' && proto !== 'udp') {
    throw new UsageError(`Invalid port mapping "${truncate(spec)}": the protocol must be tcp or udp.`);
  }
  const parts = splitSpec(body, spec);
  if (parts.length > 3) {
    throw new UsageError(`Invalid port mapping "${truncate(spec)}": use [IP:][HOST_PORT:]CONTAINER_PORT, IPv6 addresses in brackets.`);
  }
  const hostIp = parts.length === 3 ? hostAddress(parts[0], spec) : '';
  const hostPart = parts.length === 1 ? '' : parts[parts.length - 2];
  if (parts.length === 2 && hostPart === '') {
    throw new UsageError(`Invalid port mapping "${truncate(spec)}": the host port is missing (give CONTAINER_PORT alone to have one chosen).`);
  }
  const [cFirst, cLast] = portRange(parts[parts.length - 1], spec);
  const count = cLast - cFirst + 1;
  if (hostPart === '') {
    return Array.from({ length: count }, (_, i) => ({ protocol: proto, hostIp, hostPort: 0, containerPort: cFirst + i }));
  }
  const [hFirst, hLast] = portRange(hostPart, spec);
  if (hLast - hFirst + 1 === count) {
    return Array.from({ length: count }, (_, i) => ({ protocol: proto, hostIp, hostPort: hFirst + i, containerPort: cFirst + i }));
  }
  if (count === 1) return [{ protocol: proto, hostIp, hostPort: hFirst, hostPortEnd: hLast, containerPort: cFirst }];
  throw new UsageError(`Invalid port mapping "${truncate(spec)}": the host and container port ranges must be of the same size.`);
}

/** One mapping: -p that names a single port. */
export function parsePublish(spec: string): PortMapping {
  const all = parsePublishes(spec);
  if (all.length !== 1) throw new UsageError(`Invalid port mapping "${truncate(spec)}": a single port was expected.`);
  return all[0];
}

/** `--expose 81`, `--expose 7000-7002/udp`: Docker's ExposedPorts keys ("81/tcp"), ranges expanded. */
export function exposedByFlags(spec: Pick<RunSpec, 'flags'>): string[] {
  return exposeFlags(spec).flatMap((text) => {
    const m = /^(\d+(?:-\d+)?)(?:\/(tcp|udp|sctp))?$/.exec(text);
    if (!m) throw new UsageError(`Invalid --expose "${truncate(text)}": use PORT[-END][/tcp|udp], as in --expose 8080 or --expose 53/udp.`);
    const [first, last] = portRange(m[1], text);
    return Array.from({ length: last - first + 1 }, (_, i) => `${first + i}/${m[2] ?? 'tcp'}`);
  });
}

/**
 * Every port a container publishes: its -p specs, and with -P each port the image exposes
 * ("80/tcp", "53/udp") on a host port the kernel chooses.
 */
export function publishedPorts(spec: RunSpec, image: ImageConfig | undefined, exposed?: string[]): PortMapping[] {
  const ports = publishFlags(spec).flatMap(parsePublishes);
  if (!publishAllFlag(spec)) return ports;
  for (const entry of exposed ?? image?.exposedPorts ?? []) {
    const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(entry);
    if (!m || m[2] === 'sctp') continue;
    const protocol = (m[2] ?? 'tcp') as 'tcp' | 'udp';
    if (ports.some((p) => p.containerPort === Number(m[1]) && p.protocol === protocol)) continue;
    ports.push({ protocol, hostIp: '', hostPort: 0, containerPort: Number(m[1]) });
  }
  return ports;
}

export function portKey(m: PortMapping): string {
  return `${m.protocol}/${m.hostIp || '0.0.0.0'}:${m.hostPort}`;
}

export function describePort(m: PortMapping): string {
  const ip = isV6(m) ? `[${m.hostIp}]` : m.hostIp;
  return `${ip ? `${ip}:` : ''}${m.hostPort}/${m.protocol}`;
}

/** Whether one host address covers another: equal, "" (every address), or "::" (every IPv6 address). */
function covers(a: string, b: string): boolean {
  return a === b || a === '' || (a === '::' && b.includes(':'));
}

/** Two mappings clash on the same protocol and port when one's address covers the other's. */
export function clashes(a: PortMapping, b: PortMapping): boolean {
  if (a.hostPort === 0 || b.hostPort === 0 || a.hostPortEnd !== undefined || b.hostPortEnd !== undefined) return false; // chosen at bind time
  return a.protocol === b.protocol && a.hostPort === b.hostPort && (covers(a.hostIp, b.hostIp) || covers(b.hostIp, a.hostIp));
}

export function keyToMapping(key: string): PortMapping {
  const m = /^(tcp|udp)\/([\d.]+|[0-9a-f:]+):(\d+)$/.exec(key);
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
    // The IPv6 side of a port on every address is part of its IPv4 mapping, not a second request.
    if (wanted[i].implicit) continue;
    for (let j = 0; j < i; j++) if (!wanted[j].implicit && clashes(wanted[i], wanted[j])) return { mapping: wanted[i] };
    for (const [key, holder] of Object.entries(state.ports)) {
      if (clashes(wanted[i], keyToMapping(key)) && alive(holder)) return { mapping: wanted[i], holder };
    }
  }
  return undefined;
}

export function reservePorts(state: IpamState, wanted: PortMapping[], holder: PortHolder): void {
  for (const m of wanted) {
    if (m.implicit) continue; // reserved by its "" mapping, which covers both families
    for (const key of Object.keys(state.ports)) if (clashes(m, keyToMapping(key))) delete state.ports[key]; // stale: checked dead
    state.ports[portKey(m)] = holder;
  }
}
