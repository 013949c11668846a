/** A user-created network, stored as <root>/networks/<name>.json. */
export interface NetworkConfig {
  id: string;
  name: string;
  driver: 'bridge';
  subnet: string;
  gateway: string;
  /** The Linux bridge on the host (at most 15 characters). */
  bridge: string;
  createdAt: string;
  /**
   * Set while `network create` makes the bridge and rules, and cleared when it is done: the record is
   * written first, so a create killed half-way leaves a record that `network rm`, a re-create and
   * `system prune` can find (under the network lock, a "creating" record is always such a leftover).
   */
  state?: 'creating';
  /** The raw-table drop of loopback destinations is in place (networks made before it get it on next use). */
  loopbackGuard?: boolean;
  /** `network create --internal`: no masquerade, nothing forwarded in or out of the bridge. */
  internal?: boolean;
  /** `--ip-range`: containers get addresses from this part of the subnet only. */
  ipRange?: string;
  /** The default network (`bridge`), made on first use: `network rm` refuses it, `system prune` removes it when unused. */
  builtin?: boolean;
}

/** One address held by one container in one network. */
export interface Allocation {
  containerId: string;
  containerName: string;
  hostVeth: string;
  /** `--network-alias` / `network connect --alias`: more names the container answers to on this network. */
  aliases?: string[];
}

/** A host port held by one container; the key is "proto/hostIp:hostPort". */
export interface PortHolder {
  containerId: string;
  containerName: string;
}

/** IPAM and port reservations of every network of one engine root, changed only under the lock. */
export interface IpamState {
  /** network name → ip → holder. */
  allocations: Record<string, Record<string, Allocation>>;
  ports: Record<string, PortHolder>;
}

export interface PortMapping {
  protocol: 'tcp' | 'udp';
  /** "" means every host address. */
  hostIp: string;
  /** 0 until bound: the kernel chooses (`-p 80`, `-P`). */
  hostPort: number;
  /** `-p 8000-8010:80`: the first free port from hostPort to this one is bound. */
  hostPortEnd?: number;
  containerPort: number;
  /**
   * The IPv6 side ("::", same port) of a port published on every address, as Docker binds 0.0.0.0 and ::
   * for `-p 8080:80` on a host with IPv6; reserved and refused through its "" mapping, shown by `port`.
   */
  implicit?: boolean;
}

/** How a container is attached to one network. */
export interface Endpoint {
  network: string;
  networkId: string;
  bridge: string;
  ip: string;
  prefixLength: number;
  gateway: string;
  mac: string;
  hostVeth: string;
  /** The interface name inside the container (eth0, eth1 for `network connect`, ...). */
  ifname: string;
  aliases?: string[];
}

export type NetworkMode = 'none' | 'host' | 'bridge';

/** What the plugin keeps in record.ext.network (shown by `inspect`). */
export interface NetworkExt {
  mode: NetworkMode;
  /** The primary endpoint's fields, for a quick look. */
  network?: string;
  ip?: string;
  gateway?: string;
  mac?: string;
  hostVeth?: string;
  ports: PortMapping[];
  endpoints: Endpoint[];
  /** -P: the image's exposed ports (a `start` has no image config to read them from). */
  exposed?: string[];
}
