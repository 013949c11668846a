import { ConflictError, type ContainerContext, type ContainerRecord } from '@mydocker/core';
import { macForIp, parseSubnet } from '../cidr';
import type { NetworkEnv } from '../context';
import { allocateAddress, releaseContainer } from '../ipam';
import * as iptables from '../iptables';
import { attachEndpoint, deleteLink, linkNames } from '../links';
import type { Endpoint, IpamState, NetworkConfig, NetworkExt, PortMapping } from '../model';
import { vethName } from '../names';
import { describePort, findPortConflict, reservePorts } from '../ports';
import { baseRules, containerComment, deletionsWhere, merge, portRules } from '../rules';
import type { NetworkDriver, NetworkPlan } from './driver';

/** A veth into a Linux bridge, an address from the network's IPAM, DNAT rules for -p. */
export class BridgeDriver implements NetworkDriver {
  readonly mode = 'bridge' as const;

  constructor(private readonly env: NetworkEnv) {}

  /** Refuses a host port another live container holds (or the request names twice). */
  private async checkPorts(state: IpamState, ports: PortMapping[], selfId: string): Promise<void> {
    if (ports.length === 0) return;
    const live = await this.env.liveContainers(Object.values(state.ports).map((h) => h.containerId).filter((id) => id !== selfId));
    const conflict = findPortConflict(state, ports, (h) => live.has(h.containerId));
    if (conflict) {
      const where = describePort(conflict.mapping);
      throw new ConflictError(
        conflict.holder
          ? `Host port ${where} is already published by container ${conflict.holder.containerName}: choose another host port.`
          : `Host port ${where} is published twice in this command: give each -p its own host port.`,
      );
    }
  }

  async validate(ctx: ContainerContext, plan: NetworkPlan): Promise<void> {
    this.env.store.get(plan.network!);
    await this.checkPorts(this.env.store.readIpam(), plan.ports, ctx.id);
  }

  /** Address, veth name and ports are taken together under the lock, so concurrent runs never share. */
  async reserve(record: ContainerRecord, net: NetworkConfig, ports: PortMapping[], ifname: string): Promise<Endpoint> {
    const existing = await linkNames();
    return this.env.store.withLock(async () => {
      const state = this.env.store.readIpam();
      await this.checkPorts(state, ports, record.id);
      const taken = new Set(existing);
      for (const held of Object.values(state.allocations)) for (const a of Object.values(held)) taken.add(a.hostVeth);
      const hostVeth = vethName(record.id, taken);
      const ip = allocateAddress(state, net, { containerId: record.id, containerName: record.name, hostVeth });
      reservePorts(state, ports, { containerId: record.id, containerName: record.name });
      this.env.store.writeIpam(state);
      return {
        network: net.name,
        networkId: net.id,
        bridge: net.bridge,
        ip,
        prefixLength: parseSubnet(net.subnet).prefixLength,
        gateway: net.gateway,
        mac: macForIp(ip),
        hostVeth,
        ifname,
      };
    });
  }

  async create(ctx: ContainerContext, plan: NetworkPlan): Promise<NetworkExt> {
    const net = this.env.store.get(plan.network!);
    const ep = await this.reserve(ctx.record, net, plan.ports, 'eth0');
    ctx.onRollback('network', () => this.releaseAddresses(ctx.id));
    return { mode: 'bridge', network: ep.network, ip: ep.ip, gateway: ep.gateway, mac: ep.mac, hostVeth: ep.hostVeth, ports: plan.ports, endpoints: [ep] };
  }

  async created(ctx: ContainerContext, ext: NetworkExt): Promise<void> {
    const pid = ctx.record.pid;
    if (!pid) throw new Error('the runtime did not report the container process');
    const ep = ext.endpoints[0];
    ctx.onRollback('network', () => deleteLink(ep.hostVeth));
    await attachEndpoint(pid, ep, true);
    if (ext.ports.length > 0) {
      ctx.onRollback('network', () => this.removeRules(ctx.id));
      await this.env.store.withLock(async () => {
        const saved = await iptables.save();
        await iptables.apply(merge(baseRules(this.env.chains, saved), portRules(this.env.chains, ctx.id, ctx.record.name, ep.ip, ext.ports)));
      });
    }
  }

  async releaseAddresses(id: string, onlyNetwork?: string): Promise<void> {
    const state = this.env.store.readIpam();
    const holds = Object.values(state.allocations).some((h) => Object.values(h).some((a) => a.containerId === id)) || Object.values(state.ports).some((p) => p.containerId === id);
    if (holds) await this.env.store.updateIpam((s) => releaseContainer(s, id, onlyNetwork));
  }

  /** Every rule whose comment names this container goes; none left is fine. */
  async removeRules(id: string): Promise<void> {
    const prefix = `${containerComment(id, '')}`;
    await this.env.store.withLock(async () => {
      const saved = await iptables.save();
      await iptables.apply(deletionsWhere(this.env.chains, saved, (c) => c.startsWith(prefix)));
    });
  }

  /** Idempotent: after a crash, twice, or for a container that never got this far. */
  async release(record: ContainerRecord, ext: NetworkExt): Promise<void> {
    await Promise.all(ext.endpoints.map((ep) => deleteLink(ep.hostVeth)));
    if (ext.ports.length > 0) await this.removeRules(record.id);
    await this.releaseAddresses(record.id);
  }
}
