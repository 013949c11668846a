import { existsSync } from 'node:fs';
import { ConflictError, UsageError, type ContainerContext, type ContainerRecord } from '@mydocker/core';
import { macForIp, parseSubnet } from '../cidr';
import type { NetworkEnv } from '../context';
import { allocateAddress, releaseContainer } from '../ipam';
import * as iptables from '../iptables';
import { attachEndpoint, deleteLink, linkNames, linksWithAlias } from '../links';
import type { Endpoint, IpamState, NetworkConfig, NetworkExt, PortMapping } from '../model';
import { vethAlias, vethName } from '../names';
import { holdPorts, releaseHolds, socketInodesOf, stillOurs, type PortHold } from '../port-holds';
import { describePort, findPortConflict, isV6, reservePorts } from '../ports';
import { baseRules, containerComment, deletionsWhere, merge, portRules } from '../rules';
import type { NetworkDriver, NetworkPlan } from './driver';
import { networkOptions } from '../flags';
import { DEFAULT_NETWORK } from '../defaults';

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

  /** The network to join; the default network is made here on first use. */
  async join(name: string): Promise<NetworkConfig> {
    // A "creating" default network is being made by a concurrent first run: ensure waits for its lock.
    if (name === DEFAULT_NETWORK) {
      const found = this.env.store.find(name);
      if (!found || found.state === 'creating') return (await import('../networks')).ensureDefaultNetwork(this.env);
    }
    const net = this.network(name);
    return existsSync(`/sys/class/net/${net.bridge}`) ? net : (await import('../networks')).restoreNetwork(this.env, net);
  }

  async validate(ctx: ContainerContext, plan: NetworkPlan): Promise<void> {
    const net = await this.join(plan.network!);
    const opts = networkOptions(ctx.spec);
    if (opts.ip !== undefined && net.builtin) {
      throw new UsageError(`--ip works on user-defined networks only: create one with \`mydocker network create --subnet CIDR NAME\` and run with --net NAME.`);
    }
    if (opts.aliases?.length && net.builtin) {
      throw new UsageError('--network-alias works on user-defined networks only: the default bridge network has no name resolution.');
    }
    if (opts.macAddress !== undefined) checkMac(opts.macAddress);
    await this.checkPorts(this.env.store.readIpam(), plan.ports, ctx.id);
    // A trial bind: a port some host program listens on is refused before anything is made.
    await releaseHolds(await holdPorts(plan.ports));
  }

  /**
   * Address, veth name and ports are taken together under the lock, so concurrent runs never share.
   * The ports are bound first: a port the kernel chooses (`-p 80`, `-P`) is known only then.
   */
  async reserve(
    record: ContainerRecord,
    net: NetworkConfig,
    wanted: PortMapping[],
    ifname: string,
    opts: EndpointOptions = {},
  ): Promise<{ ep: Endpoint; ports: PortMapping[] }> {
    const existing = await linkNames();
    return this.env.store.withLock(async () => {
      const state = this.env.store.readIpam();
      await this.checkPorts(state, wanted, record.id);
      const holds = await holdPorts(wanted);
      const ports = holds.map((h) => h.mapping);
      let ep: Endpoint;
      try {
        await this.checkPorts(state, ports, record.id);
        const taken = new Set(existing);
        for (const held of Object.values(state.allocations)) for (const a of Object.values(held)) taken.add(a.hostVeth);
        const hostVeth = vethName(record.id, taken);
        const aliases = opts.aliases?.length ? [...new Set(opts.aliases)] : undefined;
        const ip = allocateAddress(state, net, { containerId: record.id, containerName: record.name, hostVeth, ...(aliases ? { aliases } : {}) }, opts.ip);
        reservePorts(state, ports, { containerId: record.id, containerName: record.name });
        this.env.store.writeIpam(state);
        ep = {
          network: net.name,
          networkId: net.id,
          bridge: net.bridge,
          ip,
          prefixLength: parseSubnet(net.subnet).prefixLength,
          gateway: net.gateway,
          mac: opts.mac?.toLowerCase() ?? macForIp(ip),
          hostVeth,
          ifname,
          ...(aliases ? { aliases } : {}),
        };
      } catch (err) {
        await releaseHolds(holds);
        throw err;
      }
      if (holds.length > 0) this.holds.set(record.id, holds);
      return { ep, ports };
    });
  }

  async create(ctx: ContainerContext, plan: NetworkPlan): Promise<NetworkExt> {
    const net = await this.join(plan.network!);
    if (!net.loopbackGuard) await (await import('../networks')).ensureLoopbackGuard(this.env, net);
    const opts = networkOptions(ctx.spec);
    const { ep, ports } = await this.reserve(ctx.record, net, plan.ports, 'eth0', { aliases: opts.aliases, ip: opts.ip, mac: opts.macAddress });
    ctx.onRollback('network', () => this.releaseAddresses(ctx.id));
    ctx.onRollback('network', () => this.dropHolds(ctx.id));
    // The monitor keeps these open for the container's whole life (core's heldFds contract).
    ctx.heldFds.push(...(this.holds.get(ctx.id) ?? []).map((h) => h.fd));
    return {
      mode: 'bridge',
      network: ep.network,
      ip: ep.ip,
      gateway: ep.gateway,
      mac: ep.mac,
      hostVeth: ep.hostVeth,
      ports,
      endpoints: [ep],
      ...(plan.exposed ? { exposed: plan.exposed } : {}),
    };
  }

  async created(ctx: ContainerContext, ext: NetworkExt): Promise<void> {
    const pid = ctx.record.pid;
    if (!pid) throw new Error('the runtime did not report the container process');
    const ep = ext.endpoints[0];
    ctx.onRollback('network', () => deleteLink(ep.hostVeth));
    const internal = this.env.store.find(ep.network)?.internal === true;
    await attachEndpoint(pid, ep, !internal, vethAlias(this.env.paths.rootHash, ctx.id));
    if (ext.ports.length > 0) {
      ctx.onRollback('network', () => this.removeRules(ctx.id));
      await this.env.store.withLock(async () => {
        const saved = await iptables.save();
        await iptables.apply(merge(baseRules(this.env.chains, saved), portRules(this.env.chains, ctx.id, ctx.record.name, ep.ip, ext.ports)));
      });
    }
    await this.startProxy(ctx, ep.ip);
    await this.handOverHolds(ctx.id, ctx.record.monitorPid);
    await this.refreshNames(ext.endpoints.map((e) => e.network));
  }

  /**
   * The IPv6 side of the published ports: iptables cannot translate IPv6 to the container's IPv4 address,
   * so a userland proxy (Docker's docker-proxy) accepts on those sockets, tied to the monitor's life.
   */
  private async startProxy(ctx: ContainerContext, ip: string): Promise<void> {
    const v6 = (this.holds.get(ctx.id) ?? []).filter((h) => isV6(h.mapping) && stillOurs(h));
    if (v6.length === 0) return;
    const proxy = await import('../userland-proxy');
    const dir = this.containerDir(ctx.id);
    ctx.onRollback('network', () => proxy.stopProxy(dir));
    const targets = v6.map((h) => ({ fd: h.fd, ip, port: h.mapping.containerPort, protocol: h.mapping.protocol }));
    await proxy.startProxy(dir, ctx.record.monitorPid ?? process.pid, targets);
  }

  private containerDir(id: string): string {
    return this.env.bus.need('stateStore', 'Publishing a port').containerDir(id);
  }

  private async stopProxy(id: string): Promise<void> {
    (await import('../userland-proxy')).stopProxy(this.containerDir(id));
  }

  /** The peers' /etc/hosts lists of these networks, after a join or a leave (user-defined networks only). */
  async refreshNames(networks: string[], also: string[] = []): Promise<void> {
    const user = networks.filter((n) => {
      try {
        const net = this.env.store.find(n);
        return net !== undefined && !net.builtin;
      } catch {
        return false;
      }
    });
    if (user.length === 0) return;
    const { refreshHosts } = await import('../name-resolution');
    await this.env.store.withLock(async () => refreshHosts(this.env, user, also));
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
    if (ext.ports.some(isV6)) await this.stopProxy(record.id);
    await this.dropHolds(record.id);
    await Promise.all(ext.endpoints.map((ep) => deleteLink(ep.hostVeth)));
    if (ext.ports.length > 0) await this.removeRules(record.id);
    await this.releaseAddresses(record.id);
    await this.refreshNames(ext.endpoints.map((e) => e.network));
  }

  /**
   * For a record without a readable network part (damaged, or a crash before create finished): what the
   * id alone finds: veths whose alias or IPAM allocation names it, rules whose comment names it, its
   * addresses and ports.
   */
  async releaseById(id: string): Promise<void> {
    await this.stopProxy(id);
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

/** What `run` and `network connect` may ask of an endpoint. */
export interface EndpointOptions {
  aliases?: string[];
  ip?: string;
  mac?: string;
}

/** --mac-address: six bytes, unicast (a multicast source address would be dropped by every peer). */
export function checkMac(mac: string): void {
  if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac) || (parseInt(mac.slice(0, 2), 16) & 1) === 1) {
    throw new UsageError(`Invalid --mac-address ${mac}: give six unicast bytes such as 02:42:ac:11:00:09.`);
  }
}

function warn(message: string): void {
  process.stderr.write(`Warning: ${message}\n`);
}
