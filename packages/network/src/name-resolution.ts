import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkEnv } from './context';
import { withPeers } from './etc-files';
import type { IpamState } from './model';

/**
 * Docker's embedded DNS, done with hosts files: on a user-defined network every container finds the
 * others by name, short id and --network-alias; on the default `bridge` network, and across networks,
 * nobody is found (as in Docker). The list lives below a marker in each container's /etc/hosts and is
 * rewritten whenever a container joins or leaves one of its networks. The file is rewritten in place
 * (same inode) because it is bind-mounted into the container: a rename would leave the container
 * reading the old file. No process runs per network, nothing listens, and a lookup costs what reading
 * /etc/hosts costs; a join costs one small write per container on the network (see the README).
 */
export function peerLines(state: IpamState, containerId: string, userNetworks: Set<string>): string[] {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const [network, held] of Object.entries(state.allocations)) {
    if (!userNetworks.has(network)) continue;
    if (!Object.values(held).some((a) => a.containerId === containerId)) continue;
    for (const [ip, a] of Object.entries(held)) {
      if (a.containerId === containerId || seen.has(`${ip} ${a.containerId}`)) continue;
      seen.add(`${ip} ${a.containerId}`);
      lines.push(`${ip}\t${[a.containerName, ...(a.aliases ?? []), a.containerId.slice(0, 12)].join(' ')}`);
    }
  }
  return lines;
}

/**
 * Rewrites the peer list of every container on `networks` (the caller holds the network lock, so the
 * address table does not change meanwhile). A container whose files are gone is skipped.
 */
export function refreshHosts(env: NetworkEnv, networks: string[], also: string[] = []): void {
  if (!env.bus.has('stateStore')) return;
  const userNetworks = new Set(
    env.store
      .list()
      .filter((n) => !n.builtin)
      .map((n) => n.name),
  );
  const touched = networks.filter((n) => userNetworks.has(n));
  if (touched.length === 0) return;
  const state = env.store.tryReadIpam();
  if (state instanceof Error) return;
  const members = new Set<string>(also);
  for (const network of touched) for (const a of Object.values(state.allocations[network] ?? {})) members.add(a.containerId);
  const states = env.bus.need('stateStore');
  for (const id of members) {
    const path = join(states.containerDir(id), 'hosts');
    let current: string;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    const next = withPeers(current, peerLines(state, id, userNetworks));
    if (next !== current) writeFileSync(path, next);
  }
}
