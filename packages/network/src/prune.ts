import type { ContainerRecord, PruneReport } from '@mydocker/core';
import type { NetworkEnv } from './context';
import { allHolders, emptyIpam, releaseContainer } from './ipam';
import * as iptables from './iptables';
import { networkExtOf, PLUGIN } from './lifecycle';
import { bridgePorts, deleteLink, linksWithAlias } from './links';
import type { IpamState } from './model';
import { parseAlias } from './names';
import { removeLeftoverNetwork, teardownIfLast } from './networks';
import { portKey } from './ports';
import { containerIdsWithRules, deletionsWhere, networkComment, networksWithRules } from './rules';

/**
 * Container ids the state store holds (its contract's `ids()`), read under the network lock: a `run` that
 * got its record after prune started is known here, so its fresh address and veth are not taken for leftovers.
 */
async function storedIds(env: NetworkEnv): Promise<string[]> {
  if (!env.bus.has('stateStore')) return [];
  return env.bus.need('stateStore').ids();
}

/** The address table as the records of the containers that still exist say it is. */
export function ipamFromRecords(records: ContainerRecord[]): IpamState {
  const state = emptyIpam();
  for (const record of records) {
    if (record.status === 'stopped') continue;
    const ext = networkExtOf(record.ext?.[PLUGIN]);
    if (ext?.mode !== 'bridge') continue;
    for (const ep of ext.endpoints) {
      (state.allocations[ep.network] ??= {})[ep.ip] = { containerId: record.id, containerName: record.name, hostVeth: ep.hostVeth };
    }
    for (const p of ext.ports) state.ports[portKey(p)] = { containerId: record.id, containerName: record.name };
  }
  return state;
}

/**
 * Everything of this root's networks that no record owns: addresses and ports of containers that are
 * gone, a damaged address table (rebuilt from the records), networks a killed `network create` left
 * half-made or whose file is damaged (when no live container uses them), bridges and veths whose alias
 * names this root but no record, and rules whose comment names a container or network that is gone.
 */
export async function pruneNetworks(env: NetworkEnv, report: PruneReport): Promise<void> {
  const { store } = env;
  const removed = (what: string) => report.removed.push(`network: ${what}`);
  await store.withLock(async () => {
    const known = new Set([...report.knownIds, ...(await storedIds(env))]);
    const isKnown = (idOrPrefix: string) => [...known].some((id) => id.startsWith(idOrPrefix));

    let state = store.tryReadIpam();
    if (state instanceof Error) {
      const records = env.bus.has('stateStore') ? await env.bus.need('stateStore').list() : [];
      state = ipamFromRecords(records.filter((r) => known.has(r.id)));
      removed(`${store.paths.ipam} was damaged; rebuilt from ${records.length} container record(s)`);
    }
    for (const id of allHolders(state)) {
      if (known.has(id)) continue;
      for (const what of releaseContainer(state, id)) removed(`${id.slice(0, 12)} ${what}`);
    }
    store.writeIpam(state);

    const { networks, damaged } = store.scan();
    const inUse = (name: string) => Object.values(state.allocations[name] ?? {}).length > 0;
    for (const net of [...networks.filter((n) => n.state === 'creating'), ...damaged]) {
      if (inUse(net.name)) continue;
      await removeLeftoverNetwork(env, net);
      removed(`network ${net.name} (${'reason' in net ? `damaged: ${net.reason}` : 'left half-made by an interrupted create'})`);
    }
    // The default network is made again on first use: unused, it goes, so a pruned engine leaves no bridge.
    for (const net of networks.filter((n) => n.builtin && n.state !== 'creating' && !inUse(n.name))) {
      await removeLeftoverNetwork(env, net);
      removed(`default network ${net.name} (bridge ${net.bridge}), unused; made again on first use`);
    }
    const recorded = new Set(
      store
        .scan()
        .networks.map((n) => n.name)
        .concat(store.damaged().map((d) => d.name)),
    );

    const veths = new Set<string>();
    for (const held of Object.values(state.allocations)) for (const a of Object.values(held)) veths.add(a.hostVeth);
    const orphans = new Set<string>();
    for (const net of store.list()) for (const v of await bridgePorts(net.bridge)) if (!veths.has(v)) orphans.add(v);
    for (const [link, alias] of linksWithAlias(env.aliasPrefix)) {
      const owner = parseAlias(env.paths.rootHash, alias);
      if (owner?.kind === 'ctr' && !known.has(owner.id) && !veths.has(link)) orphans.add(link);
      if (owner?.kind === 'net' && !recorded.has(owner.network)) {
        await deleteLink(link);
        removed(`bridge ${link} of network ${owner.network}, which has no record`);
      }
    }
    await Promise.all([...orphans].map((v) => deleteLink(v)));
    for (const v of orphans) removed(`veth ${v}`);

    const saved = await iptables.save();
    const staleIds = [...containerIdsWithRules(env.chains, saved)].filter((p) => !isKnown(p));
    const staleNets = [...networksWithRules(env.chains, saved)].filter((n) => !recorded.has(n));
    if (staleIds.length > 0 || staleNets.length > 0) {
      await iptables.apply(
        deletionsWhere(env.chains, saved, (c) => staleIds.some((p) => c.startsWith(`mydocker:${p}:`)) || staleNets.some((n) => c === networkComment(n))),
      );
      for (const p of staleIds) removed(`iptables rules of ${p}`);
      for (const n of staleNets) removed(`iptables rules of network ${n}, which has no record`);
    }
    await teardownIfLast(env);
  });
}
