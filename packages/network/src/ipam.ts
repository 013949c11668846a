import { UsageError } from '@mydocker/core';
import { contains, intToIp, ipToInt, isHostAddress, parseSubnet } from './cidr';
import type { Allocation, IpamState, NetworkConfig } from './model';

export function emptyIpam(): IpamState {
  return { allocations: {}, ports: {} };
}

/**
 * Takes the lowest free address of the network: never the network or broadcast address, never the
 * gateway, never one held by another container. Mutates `state`; the caller holds the lock and saves.
 */
export function allocateAddress(state: IpamState, network: NetworkConfig, holder: Allocation): string {
  const subnet = parseSubnet(network.subnet);
  const held = (state.allocations[network.name] ??= {});
  const gateway = ipToInt(network.gateway);
  for (let ip = subnet.network + 1; ip < subnet.broadcast; ip++) {
    if (ip === gateway) continue;
    const text = intToIp(ip);
    if (held[text]) continue;
    held[text] = holder;
    return text;
  }
  throw new UsageError(`No free address in ${subnet.cidr} (network ${network.name}): remove a container from it or use a larger subnet.`);
}

/** Releases every address and port the container holds; returns what was released. */
export function releaseContainer(state: IpamState, containerId: string, onlyNetwork?: string): string[] {
  const released: string[] = [];
  for (const [net, held] of Object.entries(state.allocations)) {
    if (onlyNetwork !== undefined && net !== onlyNetwork) continue;
    for (const [ip, a] of Object.entries(held)) {
      if (a.containerId === containerId) {
        delete held[ip];
        released.push(`${net}:${ip}`);
      }
    }
  }
  if (onlyNetwork === undefined) {
    for (const [key, holder] of Object.entries(state.ports)) {
      if (holder.containerId === containerId) {
        delete state.ports[key];
        released.push(key);
      }
    }
  }
  return released;
}

export function holdersOf(state: IpamState, network: string): Allocation[] {
  return Object.values(state.allocations[network] ?? {});
}

/** Every container id that holds something (address or port). */
export function allHolders(state: IpamState): Set<string> {
  const ids = new Set<string>();
  for (const held of Object.values(state.allocations)) for (const a of Object.values(held)) ids.add(a.containerId);
  for (const p of Object.values(state.ports)) ids.add(p.containerId);
  return ids;
}

/** Free usable addresses (for `network inspect` and messages). */
export function freeCount(state: IpamState, network: NetworkConfig): number {
  const subnet = parseSubnet(network.subnet);
  const usable =
    subnet.broadcast - subnet.network - 1 - (contains(subnet, ipToInt(network.gateway)) && isHostAddress(subnet, ipToInt(network.gateway)) ? 1 : 0);
  return usable - Object.keys(state.allocations[network.name] ?? {}).length;
}
