import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { networkFlag, networkOptions, publishAllFlag } from './flags';
import { join } from 'node:path';
import { UsageError, type ContainerContext, type ContainerRecord, type InfoReport, type PruneReport, type RunSpec } from '@mydocker/core';
import type { NetworkEnv } from './context';
import type { BridgeDriver } from './drivers/bridge';
import type { NetworkDriver, NetworkPlan } from './drivers/driver';
import { HostDriver } from './drivers/host';
import { NoneDriver } from './drivers/none';
import { addHosts, hostHosts, hostResolvConf, hostsFile, resolvConf } from './etc-files';
import type { NetworkExt } from './model';
import { exposedByFlags, publishedPorts } from './ports';
import { DEFAULT_NETWORK, defaultNetworkOptions } from './defaults';

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

  /** `--net` as given, or the configured default (Docker's: the `bridge` network) when absent. */
  networkOf(spec: Pick<RunSpec, 'flags'>): string {
    const asked = networkFlag(spec);
    if (asked !== undefined && asked !== '') return asked;
    const { mode } = defaultNetworkOptions(this.env.bus.config);
    return mode === 'bridge' ? DEFAULT_NETWORK : mode;
  }

  driverFor(network: string): NetworkDriver {
    if (network === 'none') return this.none;
    if (network === 'host') return this.host;
    return this.bridge;
  }

  private planFor(ctx: ContainerContext): NetworkPlan & { driver: NetworkDriver } {
    const network = this.networkOf(ctx.spec);
    // --expose is checked on every run; -P publishes the image's ports and those (a start has no image).
    const byFlags = exposedByFlags(ctx.spec);
    const fromImage = ctx.image?.exposedPorts ?? networkExtOf(ctx.record.ext?.[PLUGIN])?.exposed ?? [];
    const exposed = publishAllFlag(ctx.spec) ? [...new Set([...fromImage, ...byFlags])] : undefined;
    return { driver: this.driverFor(network), network, ports: publishedPorts(ctx.spec, undefined, exposed), exposed };
  }

  async validate(ctx: ContainerContext): Promise<void> {
    const plan = this.planFor(ctx);
    const opts = networkOptions(ctx.spec);
    // Checked before anything is made; the gateway is known only once the address is taken.
    addHosts(opts.addHosts ?? [], plan.driver === this.none ? undefined : '0.0.0.0');
    resolvConf('', true, opts);
    // Asked of the none and host drivers directly: comparing with this.bridge would load the bridge driver
    // (IPAM, iptables, ipaddr.js: ~20 modules) for every --net none run.
    if ((plan.driver === this.none || plan.driver === this.host) && (opts.ip !== undefined || opts.macAddress !== undefined || opts.aliases?.length)) {
      throw new UsageError(`--ip, --mac-address and --network-alias need a bridge network, not --net ${plan.network}.`);
    }
    await plan.driver.validate(ctx, plan);
    this.plans.set(ctx, plan);
  }

  /** The `prepare` hook: on every start, from the spec (`start` runs no `validate`). */
  async create(ctx: ContainerContext): Promise<void> {
    const plan = this.plans.get(ctx) ?? this.planFor(ctx);
    const ext = await plan.driver.create(ctx, plan);
    ctx.setExt(PLUGIN, ext);
    this.writeEtcFiles(ctx, ext);
  }

  /** /etc/hosts, /etc/hostname and /etc/resolv.conf, bind-mounted read-only by the runtime. */
  private writeEtcFiles(ctx: ContainerContext, ext: NetworkExt): void {
    const dir = this.env.bus.need('stateStore', 'Running a container').containerDir(ctx.id);
    mkdirSync(dir, { recursive: true });
    const opts = networkOptions(ctx.spec);
    const extra = addHosts(opts.addHosts ?? [], ext.mode === 'host' ? '127.0.0.1' : ext.gateway);
    const hosts = ext.mode === 'host' ? `${hostHosts()}${extra.map(([n, a]) => `${a}\t${n}\n`).join('')}` : hostsFile(ctx.record.hostname, ext.ip, extra);
    const files: Array<[string, string]> = [
      ['hosts', hosts],
      ['hostname', `${ctx.record.hostname}\n`],
      ['resolv.conf', resolvConf(hostResolvConf(), ext.mode !== 'host', opts)],
    ];
    for (const [file, text] of files) {
      const path = join(dir, file);
      const existed = existsSync(path);
      writeFileSync(path, text);
      if (!existed) ctx.onRollback(PLUGIN, () => rmSync(path, { force: true }));
      // A container started again has these mounts in its record already.
      if (!ctx.mounts.some((m) => m.source === path && m.destination === `/etc/${file}`)) {
        ctx.mounts.push({ source: path, destination: `/etc/${file}`, type: 'bind', readOnly: true });
      }
    }
  }

  async created(ctx: ContainerContext): Promise<void> {
    const ext = ctx.ext<NetworkExt>(PLUGIN);
    if (ext) await this.driverOf(ext.mode).created(ctx, ext);
  }

  /** Docker's `network connect`/`disconnect` events when a container starts on / leaves its networks. */
  async endpointEvents(action: 'connect' | 'disconnect', record: ContainerRecord): Promise<void> {
    for (const ep of networkExtOf(record.ext?.[PLUGIN])?.endpoints ?? []) {
      await this.env.bus.emitEvent({ type: 'network', action, id: ep.networkId, attributes: { container: record.id, name: ep.network, type: 'bridge' } });
    }
  }

  /**
   * `stopped` and `remove`: gives back what the container held. Never throws: a removal must go on with
   * what it can release (a damaged IPAM file, a link that would not go), and says what it could not.
   */
  async release(record: ContainerRecord): Promise<void> {
    try {
      const ext = networkExtOf(record.ext?.[PLUGIN]);
      if (ext?.mode === 'bridge') await this.bridge.release(record, ext);
      // A damaged record, or a crash before create finished: find what the id names.
      else if (!ext) await this.bridge.releaseById(record.id);
    } catch (err) {
      process.stderr.write(`Warning: the network of container ${record.id.slice(0, 12)} was not fully released: ${(err as Error).message}\n`);
    }
  }

  /** `system prune`: everything of this root's networks that no container or network record owns. */
  async prune(report: PruneReport): Promise<void> {
    const { pruneNetworks } = require('./prune') as typeof import('./prune');
    await pruneNetworks(this.env, report);
  }

  async info(report: InfoReport): Promise<void> {
    const networks = this.env.store.list();
    report.network = {
      drivers: ['none', 'host', 'bridge'],
      default: this.networkOf({}),
      networks: networks.map((n) => ({ name: n.name, subnet: n.subnet, bridge: n.bridge })),
      iptablesChains: Object.values(this.env.chains).filter((c) => c.startsWith('MYDOCKER-')),
    };
  }
}

/** The network part of a record when it has the expected shape; undefined when missing or damaged. */
export function networkExtOf(value: unknown): NetworkExt | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ext = value as Partial<NetworkExt>;
  if (ext.mode !== 'none' && ext.mode !== 'host' && ext.mode !== 'bridge') return undefined;
  if (!Array.isArray(ext.endpoints) || !Array.isArray(ext.ports)) return undefined;
  if (!ext.endpoints.every((e) => typeof e === 'object' && e !== null && typeof e.hostVeth === 'string' && typeof e.network === 'string')) return undefined;
  return ext as NetworkExt;
}
