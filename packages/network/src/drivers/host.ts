import { UsageError, type ContainerContext } from '@mydocker/core';
import type { NetworkExt } from '../model';
import type { NetworkDriver, NetworkPlan } from './driver';

/** The host's own network namespace: nothing to make, nothing to release. */
export class HostDriver implements NetworkDriver {
  readonly mode = 'host' as const;

  async validate(ctx: ContainerContext, plan: NetworkPlan): Promise<void> {
    if (plan.ports.length > 0) {
      throw new UsageError("Published ports make no sense with --net host: the container already uses the host's ports, so drop -p.");
    }
    ctx.sharedNamespaces.add('net');
  }

  /** Again on every start: `start` runs no `validate`. */
  async create(ctx: ContainerContext): Promise<NetworkExt> {
    ctx.sharedNamespaces.add('net');
    return { mode: 'host', ports: [], endpoints: [] };
  }

  async created(): Promise<void> {}

  async release(): Promise<void> {}
}
