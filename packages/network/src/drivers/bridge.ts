import { ConflictError, type ContainerContext, type ContainerRecord } from '@mydocker/core';
import { macForIp, parseSubnet } from '../cidr';
import type { NetworkEnv } from '../context';
import { allocateAddress, releaseContainer } from '../ipam';
import * as iptables from '../iptables';
import { attachEndpoint, deleteLink, linkNames, linksWithAlias } from '../links';
import type { Endpoint, IpamState, NetworkConfig, NetworkExt, PortMapping } from '../model';
import { vethAlias, vethName } from '../names';
import { holdPorts, releaseHolds, socketInodesOf, stillOurs, type PortHold } from '../port-holds';
import { describePort, findPortConflict, reservePorts } from '../ports';
import { baseRules, containerComment, deletionsWhere, merge, portRules } from '../rules';
import type { NetworkDriver, NetworkPlan } from './driver';

/** A veth into a Linux bridge, an address from the network's IPAM, DNAT rules for -p. */
export class BridgeDriver implements NetworkDriver {
  readonly mode = 'bridge' as const;

  /** Sockets holding published host ports, by container id, while this process still owns them. */
  private readonly holds = new Map<string, PortHold[]>();

  constructor(private readonly env: NetworkEnv) {}

  /** Refuses a host port another live container holds (or the request names twice). */
  private async checkPorts(state: IpamState, ports: PortMapping[], selfId: string): Promise<void> {
    if (ports.length === 0) return;
    const live = await this.env.liveContainers(
      Object.values(state.ports)
        .map((h) => h.containerId)
        .filter((id) => id !== selfId),
    );
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

  /** A usable network: a half-made one (its create still running, or killed) is refused. */
  network(name: string): NetworkConfig {
    const net = this.env.store.get(name);
    if (net.state === 'creating') {
      throw new ConflictError(
        `Network ${net.name} is not ready: its \`network create\` is still running or was interrupted (then remove it with \`mydocker network rm ${net.name}\`).`,
      );
    }
    return net;
  }

  async validate(ctx: ContainerContext, plan: NetworkPlan): Promise<void> {
    this.network(plan.network!);
    await this.checkPorts(this.env.store.readIpam(), plan.ports, ctx.id);
    // A trial bind: a port some host program listens on is refused before anything is made.
    await releaseHolds(await holdPorts(plan.ports));
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
      const holds = await holdPorts(ports);
      try {
        this.env.store.writeIpam(state);
      } catch (err) {
        await releaseHolds(holds);
        throw err;
      }
      if (holds.length > 0) this.holds.set(record.id, holds);
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
    const net = this.network(plan.network!);
    if (!net.loopbackGuard) await (await import('../networks')).ensureLoopbackGuard(this.env, net);
    const ep = await this.reserve(ctx.record, net, plan.ports, 'eth0');
    ctx.onRollback('network', () => this.releaseAddresses(ctx.id));
    ctx.onRollback('network', () => this.dropHolds(ctx.id));
    // The monitor keeps these open for the container's whole life (core's heldFds contract).
    ctx.heldFds.push(...(this.holds.get(ctx.id) ?? []).map((h) => h.fd));
    return { mode: 'bridge', network: ep.network, ip: ep.ip, gateway: ep.gateway, mac: ep.mac, hostVeth: ep.hostVeth, ports: plan.ports, endpoints: [ep] };
  }

  async created(ctx: ContainerContext, ext: NetworkExt): Promise<void> {
    const pid = ctx.record.pid;
    if (!pid) throw new Error('the runtime did not report the container process');
    const ep = ext.endpoints[0];
    ctx.onRollback('network', () => deleteLink(ep.hostVeth));
    await attachEndpoint(pid, ep, true, vethAlias(this.env.paths.rootHash, ctx.id));
    if (ext.ports.length > 0) {
      ctx.onRollback('network', () => this.removeRules(ctx.id));
      await this.env.store.withLock(async () => {
        const saved = await iptables.save();
        await iptables.apply(merge(baseRules(this.env.chains, saved), portRules(this.env.chains, ctx.id, ctx.record.name, ep.ip, ext.ports)));
      });
    }
    await this.handOverHolds(ctx.id, ctx.record.monitorPid);
  }

  /**
   * Closes this process's copies of the port sockets that the monitor now holds (seen in its
   * /proc/PID/fd). Sockets the monitor did not get stay with this process: the port is then reserved
   * only while this process lives, which is the best it can do without the monitor.
   */
  private async handOverHolds(id: string, monitorPid: number | undefined): Promise<void> {
    const holds = this.holds.get(id);
    if (!holds || !monitorPid) return;
    const inMonitor = socketInodesOf(monitorPid);
    const kept: PortHold[] = [];
    for (const h of holds) {
      if (!inMonitor.has(h.inode)) kept.push(h);
      // A descriptor someone else already closed (and perhaps reused) must not be closed again.
      else if (stillOurs(h)) await h.close();
    }
    if (kept.length > 0) this.holds.set(id, kept);
    else this.holds.delete(id);
  }

  private async dropHolds(id: string): Promise<void> {
    const holds = this.holds.get(id);
    this.holds.delete(id);
    if (holds) await releaseHolds(holds.filter(stillOurs));
  }

  /** Gives back the container's addresses and ports; a damaged IPAM file is left for `system prune`. */
  async releaseAddresses(id: string, onlyNetwork?: string): Promise<void> {
    const state = this.env.store.tryReadIpam();
    if (state instanceof Error) {
      warn(`the addresses of container ${id.slice(0, 12)} were not released: ${state.message}`);
      return;
    }
    const holds =
      Object.values(state.allocations).some((h) => Object.values(h).some((a) => a.containerId === id)) ||
      Object.values(state.ports).some((p) => p.containerId === id);
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
    await this.dropHolds(record.id);
    await Promise.all(ext.endpoints.map((ep) => deleteLink(ep.hostVeth)));
    if (ext.ports.length > 0) await this.removeRules(record.id);
    await this.releaseAddresses(record.id);
  }

  /**
   * For a record without a readable network part (damaged, or a crash before create finished): what the
   * id alone finds: veths whose alias or IPAM allocation names it, rules whose comment names it, its
   * addresses and ports.
   */
  async releaseById(id: string): Promise<void> {
    await this.dropHolds(id);
    const veths = new Set<string>();
    for (const [link, alias] of linksWithAlias(this.env.aliasPrefix)) if (alias === vethAlias(this.env.paths.rootHash, id)) veths.add(link);
    const state = this.env.store.tryReadIpam();
    if (!(state instanceof Error)) {
      for (const held of Object.values(state.allocations)) for (const a of Object.values(held)) if (a.containerId === id) veths.add(a.hostVeth);
    }
    await Promise.all([...veths].map((v) => deleteLink(v)));
    await this.removeRules(id);
    await this.releaseAddresses(id);
  }
}

function warn(message: string): void {
  process.stderr.write(`Warning: ${message}\n`);
}
