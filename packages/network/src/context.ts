import type { LifecycleBus } from '@mydocker/core';
import { NetworkPaths } from './paths';
import { chainsFor, type Chains } from './rules';
import { NetworkStore } from './store';

/** What the drivers and commands share: built lazily, once per CLI invocation. */
export class NetworkEnv {
  readonly paths: NetworkPaths;
  readonly store: NetworkStore;
  readonly chains: Chains;

  constructor(readonly bus: LifecycleBus) {
    this.paths = new NetworkPaths(bus.config);
    this.store = new NetworkStore(this.paths);
    this.chains = chainsFor(this.paths.rootHash);
  }

  /** Ids of containers that still exist and have not stopped; everything else holds nothing. */
  async liveContainers(ids: Iterable<string>): Promise<Set<string>> {
    const live = new Set<string>();
    if (!this.bus.has('stateStore')) return new Set(ids);
    const store = this.bus.need('stateStore');
    await Promise.all(
      [...new Set(ids)].map(async (id) => {
        const record = await store.find(id);
        if (record && record.status !== 'stopped') live.add(id);
      }),
    );
    return live;
  }
}
