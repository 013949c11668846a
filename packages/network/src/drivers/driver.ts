import type { ContainerContext, ContainerRecord } from '@mydocker/core';
import type { NetworkExt, PortMapping } from '../model';

/** A parsed --net/-p request, made in validate and used in create. */
export interface NetworkPlan {
  network?: string;
  ports: PortMapping[];
  /** -P: the image's exposed ports, kept in the record so a later `start` publishes them again. */
  exposed?: string[];
}

/**
 * How a container gets its network. `none` and `host` need nothing on the host; `bridge` reserves an
 * address in create, plugs a veth in created and gives everything back in release (idempotent).
 */
export interface NetworkDriver {
  readonly mode: NetworkExt['mode'];
  validate(ctx: ContainerContext, plan: NetworkPlan): Promise<void>;
  create(ctx: ContainerContext, plan: NetworkPlan): Promise<NetworkExt>;
  created(ctx: ContainerContext, ext: NetworkExt): Promise<void>;
  release(record: ContainerRecord, ext: NetworkExt): Promise<void>;
}
