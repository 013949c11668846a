import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerContext, ContainerRecord, InfoReport, PruneReport } from '@mydocker/core';
import type { NetworkEnv } from './context';
import type { BridgeDriver } from './drivers/bridge';
import type { NetworkDriver, NetworkPlan } from './drivers/driver';
import { HostDriver } from './drivers/host';
import { NoneDriver } from './drivers/none';
import { hostHosts, hostResolvConf, hostsFile, resolvConf } from './etc-files';
import type { NetworkExt } from './model';
import { parsePublish } from './ports';

export const PLUGIN = 'network';

/** The hook bodies: pick the driver for --net, and let it do the work. */
export class NetworkLifecycle {
  private bridgeDriver?: BridgeDriver;
  private readonly none = new NoneDriver();
  private readonly host = new HostDriver();
  private readonly plans = new WeakMap<ContainerContext, NetworkPlan & { driver: NetworkDriver }>();

  constructor(readonly env: NetworkEnv) {}

  /** Loaded on first use: IPAM, veths and iptables are for bridge networks only. */
  get bridge(): BridgeDriver {
    if (!this.bridgeDriver) {
      const { BridgeDriver: Bridge } = require('./drivers/bridge') as typeof import('./drivers/bridge');
      this.bridgeDriver = new Bridge(this.env);
    }
    return this.bridgeDriver;
  }

  private driverOf(mode: NetworkExt['mode']): NetworkDriver {
    return mode === 'none' ? this.none : mode === 'host' ? this.host : this.bridge;
  }

  driverFor(network: string | undefined): NetworkDriver {
    if (network === undefined || network === '' || network === 'none') return this.none;
    if (network === 'host') return this.host;
    return this.bridge;
  }

  async validate(ctx: ContainerContext): Promise<void> {
    const driver = this.driverFor(ctx.spec.network);
    const plan = { driver, network: ctx.spec.network, ports: ctx.spec.publish.map(parsePublish) };
    await driver.validate(ctx, plan);
    this.plans.set(ctx, plan);
  }

  async create(ctx: ContainerContext): Promise<void> {
    const plan = this.plans.get(ctx) ?? { driver: this.driverFor(ctx.spec.network), network: ctx.spec.network, ports: ctx.spec.publish.map(parsePublish) };
    const ext = await plan.driver.create(ctx, plan);
    ctx.setExt(PLUGIN, ext);
    this.writeEtcFiles(ctx, ext);
  }

  /** /etc/hosts, /etc/hostname and /etc/resolv.conf, bind-mounted read-only by the runtime. */
  private writeEtcFiles(ctx: ContainerContext, ext: NetworkExt): void {
    const dir = this.env.bus.need('stateStore', 'Running a container').containerDir(ctx.id);
    mkdirSync(dir, { recursive: true });
    const files: Array<[string, string]> = [
      ['hosts', ext.mode === 'host' ? hostHosts() : hostsFile(ctx.record.hostname, ext.ip)],
      ['hostname', `${ctx.record.hostname}\n`],
      ['resolv.conf', resolvConf(hostResolvConf(), ext.mode !== 'host')],
    ];
    for (const [file, text] of files) {
      const path = join(dir, file);
      writeFileSync(path, text);
      ctx.onRollback(PLUGIN, () => rmSync(path, { force: true }));
      ctx.mounts.push({ source: path, destination: `/etc/${file}`, type: 'bind', readOnly: true });
    }
  }

  async created(ctx: ContainerContext): Promise<void> {
    const ext = ctx.ext<NetworkExt>(PLUGIN);
    if (ext) await this.driverOf(ext.mode).created(ctx, ext);
  }

  async release(record: ContainerRecord): Promise<void> {
    const ext = record.ext[PLUGIN] as NetworkExt | undefined;
    if (ext?.mode === 'bridge') await this.bridge.release(record, ext);
    // No record of the network (a crash before create finished): addresses may still be held.
    else if (!ext) await this.bridge.releaseAddresses(record.id);
  }

  /** Addresses, ports, veths and rules of containers that have no record any more. */
  async prune(report: PruneReport): Promise<void> {
    const { allHolders, releaseContainer } = require('./ipam') as typeof import('./ipam');
    const iptables = require('./iptables') as typeof import('./iptables');
    const { bridgePorts, deleteLink } = require('./links') as typeof import('./links');
    const { containerIdsWithRules, deletionsWhere } = require('./rules') as typeof import('./rules');
    const known = report.knownIds;
    const isKnown = (idOrPrefix: string) => [...known].some((id) => id.startsWith(idOrPrefix));
    await this.env.store.withLock(async () => {
      const state = this.env.store.readIpam();
      const veths = new Set<string>();
      for (const held of Object.values(state.allocations)) for (const a of Object.values(held)) if (known.has(a.containerId)) veths.add(a.hostVeth);
      for (const id of allHolders(state)) {
        if (known.has(id)) continue;
        for (const what of releaseContainer(state, id)) report.removed.push(`network: ${id.slice(0, 12)} ${what}`);
      }
      this.env.store.writeIpam(state);
      const orphans = (await Promise.all(this.env.store.list().map((n) => bridgePorts(n.bridge)))).flat().filter((v) => !veths.has(v));
      await Promise.all(orphans.map((v) => deleteLink(v)));
      for (const v of orphans) report.removed.push(`network: veth ${v}`);
      const saved = await iptables.save();
      const stale = [...containerIdsWithRules(this.env.chains, saved)].filter((p) => !isKnown(p));
      if (stale.length > 0) {
        await iptables.apply(deletionsWhere(this.env.chains, saved, (c) => stale.some((p) => c.startsWith(`mydocker:${p}:`))));
        for (const p of stale) report.removed.push(`network: iptables rules of ${p}`);
      }
    });
  }

  async info(report: InfoReport): Promise<void> {
    const networks = this.env.store.list();
    report.network = {
      drivers: ['none', 'host', 'bridge'],
      default: 'none',
      networks: networks.map((n) => ({ name: n.name, subnet: n.subnet, bridge: n.bridge })),
      iptablesChains: Object.values(this.env.chains).filter((c) => c.startsWith('MYDOCKER-')),
    };
  }
}
