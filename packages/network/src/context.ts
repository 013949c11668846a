import type { LifecycleBus } from '@mydocker/core';
import { NetworkPaths } from './paths';
import type { Chains } from './rules';
import type { NetworkStore } from './store';

/** What the drivers and commands share: built lazily, once per CLI invocation. */
export class NetworkEnv {
  readonly paths: NetworkPaths;
  private storeInstance?: NetworkStore;
  private chainsInstance?: Chains;

  constructor(readonly bus: LifecycleBus) {
    this.paths = new NetworkPaths(bus.config);
  }

  // The store (lock files, atomic writes) and the rule generator load only when a bridge network is
  // involved: a container with --net none or host never pays for them.
  get store(): NetworkStore {
    if (!this.storeInstance) {
      const { NetworkStore: Store } = require('./store') as typeof import('./store');
      this.storeInstance = new Store(this.paths);
    }
    return this.storeInstance;
  }

  get chains(): Chains {
    if (!this.chainsInstance) this.chainsInstance = (require('./rules') as typeof import('./rules')).chainsFor(this.paths.rootHash);
    return this.chainsInstance;
  }

  /** The start of every interface alias of this root (see names.ts). */
  get aliasPrefix(): string {
    return `mydocker:${this.paths.rootHash}:`;
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
