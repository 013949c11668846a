import { UsageError, type ContainerContext } from '@mydocker/core';
import type { NetworkExt } from '../model';
import type { NetworkDriver, NetworkPlan } from './driver';

/** Loopback only: the runtime brings `lo` up in every new network namespace. The default. */
export class NoneDriver implements NetworkDriver {
  readonly mode = 'none' as const;

  async validate(_ctx: ContainerContext, plan: NetworkPlan): Promise<void> {
    if (plan.ports.length > 0) {
      throw new UsageError('Publishing ports needs a bridge network: add --net NAME (create one with `mydocker network create`).');
    }
  }

  async create(): Promise<NetworkExt> {
    return { mode: 'none', ports: [], endpoints: [] };
  }

  async created(): Promise<void> {}

  async release(): Promise<void> {}
}
