import { join } from 'node:path';
import { newSha256, type EngineConfig } from '@mydocker/core';

/** Where this plugin keeps its data; everything derives from the engine config. */
export class NetworkPaths {
  constructor(private readonly config: EngineConfig) {}

  get dir(): string {
    return join(this.config.root, 'networks');
  }

  network(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  get ipam(): string {
    return join(this.dir, 'ipam.json');
  }

  /** Host settings this root changed (ip_forward), so they are restored when its last network goes. */
  get sysctl(): string {
    return join(this.dir, 'sysctl.json');
  }

  /** The lock that serialises IPAM, port reservations and iptables changes of this root. */
  get lock(): string {
    return join(this.config.runRoot, 'network.lock');
  }

  /**
   * Short hash of the root: several engine roots (tests, users) share one host's iptables, so each
   * keeps its rules in its own chains.
   */
  get rootHash(): string {
    return newSha256().update(this.config.root).digest('hex').slice(0, 8);
  }
}
