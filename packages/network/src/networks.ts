import { readFileSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { assertValidName, ConflictError, faultPoint, randomHex, tryRunCommand, UsageError } from '@mydocker/core';
import { chooseGateway, overlaps, parseSubnet, type Subnet } from './cidr';
import type { NetworkEnv } from './context';
import * as iptables from './iptables';
import { createBridge, deleteLink, linkNames, linksWithAlias } from './links';
import type { NetworkConfig } from './model';
import { bridgeAlias, bridgeName, isUsableIfname, parseAlias } from './names';
import { baseRules, deletionsWhere, merge, networkComment, networkRules, teardownRules } from './rules';
import type { DamagedNetwork } from './store';
import { DEFAULT_BRIDGE_NAME, DEFAULT_NETWORK, DEFAULT_SUBNET, defaultNetworkOptions } from './defaults';

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
const RESERVED = new Set(['none', 'host', 'default', DEFAULT_NETWORK]);

export interface CreateOptions {
  driver?: string;
  subnet?: string;
  gateway?: string;
  /** No route out: no masquerade, and the bridge forwards nothing to or from other interfaces. */
  internal?: boolean;
  ipRange?: string;
  /** `--opt com.docker.network.bridge.name=NAME`. */
  bridgeName?: string;
  /** Subnets tried in order before Docker's pools (the default network prefers 172.17.0.0/16). */
  preferredSubnets?: string[];
  /** The default network: made by the engine, not by `network create`. */
  builtin?: boolean;
  /** A Linux bridge name to use when it is free (else one derived from the id). */
  preferredBridge?: string;
}

/** IPv4 routes on the host, "10.0.0.0/8 dev eth0" style, so a new subnet never shadows one. */
async function hostRoutes(): Promise<Array<{ subnet: Subnet; text: string; dev?: string }>> {
  const r = await tryRunCommand('ip', ['-4', '-o', 'route', 'show', 'table', 'all']);
  const out: Array<{ subnet: Subnet; text: string; dev?: string }> = [];
  for (const line of r.stdout.split('\n')) {
    const dest = line.split(' ')[0];
    if (!dest || dest === 'default' || !/^\d/.test(dest) || line.includes('table local')) continue;
    try {
      out.push({ subnet: parseSubnetLoose(dest), text: line.trim().split(' ').slice(0, 3).join(' '), dev: / dev (\S+)/.exec(line)?.[1] });
    } catch {
      // host routes narrower than /30 (single hosts) do not matter for overlap with a bridge subnet
    }
  }
  return out;
}

function parseSubnetLoose(dest: string): Subnet {
  return parseSubnet(dest.includes('/') ? dest : `${dest}/32`);
}

/** Docker's pools: the first /16 in 172.18-31, then /24s in 192.168, that clashes with nothing. */
function autoSubnet(taken: Subnet[], preferred: string[] = []): string {
  const candidates: string[] = [...preferred];
  for (let b = 18; b <= 31; b++) candidates.push(`172.${b}.0.0/16`);
  for (let c = 0; c < 256; c += 16) candidates.push(`192.168.${c}.0/20`);
  const free = candidates.find((c) => !taken.some((t) => overlaps(parseSubnet(c), t)));
  if (!free) throw new UsageError('No free subnet left for a new network: give one with --subnet.');
  return free;
}

export async function createNetwork(env: NetworkEnv, name: string, options: CreateOptions): Promise<NetworkConfig> {
  assertValidName(name, 'network');
  if (RESERVED.has(name) && !(options.builtin && name === DEFAULT_NETWORK))
    throw new UsageError(`The network name "${name}" is reserved: choose another name.`);
  const driver = options.driver ?? 'bridge';
  if (driver !== 'bridge') {
    throw new UsageError(
      driver === 'host' || driver === 'none'
        ? `The ${driver} network is built in (use --net ${driver}); only bridge networks can be created.`
        : `Unknown network driver "${driver}": only bridge networks can be created.`,
    );
  }
  if (options.gateway !== undefined && options.subnet === undefined) throw new UsageError('--gateway needs --subnet.');
  if (options.subnet !== undefined) parseSubnet(options.subnet);
  if (options.ipRange !== undefined && options.subnet === undefined) throw new UsageError('--ip-range needs --subnet.');
  if (options.bridgeName !== undefined && !isUsableIfname(options.bridgeName)) {
    throw new UsageError(`Invalid bridge name "${options.bridgeName}": use at most 15 letters, digits, '_', '.' or '-'.`);
  }
  return env.store.withLock(async () => {
    // Under the lock no other create is running, so a "creating" record is what a killed create left.
    const before = env.store.find(name);
    if (before?.name === name && before.state === 'creating') await undoNetwork(env, before);
    else if (before?.name === name && options.builtin)
      return before; // made meanwhile by a concurrent run
    else if (before?.name === name) throw new ConflictError(`A network named ${name} already exists: choose another name.`);
    const taken: Subnet[] = [];
    for (let attempt = 0; ; attempt++) {
      const net = await makeNetwork(env, name, options, taken);
      if (net instanceof Object && 'id' in net) return net;
      // Another engine root made a bridge on the same automatic subnet at the same moment: its bridge
      // came first (lower ifindex), so this one steps aside to the next free subnet.
      taken.push(net.lost);
      if (attempt >= 8) throw new ConflictError(`No free subnet could be claimed for network ${name}: give one with --subnet.`);
    }
  });
}

/** One attempt at an automatic or given subnet; `lost` when a concurrent root took the same automatic subnet. */
async function makeNetwork(env: NetworkEnv, name: string, options: CreateOptions, alsoTaken: Subnet[]): Promise<NetworkConfig | { lost: Subnet }> {
  {
    const [routes, links] = await Promise.all([hostRoutes(), linkNames()]);
    const existing = env.store.list();
    const subnetText =
      options.subnet ?? autoSubnet([...existing.map((n) => parseSubnet(n.subnet)), ...routes.map((r) => r.subnet), ...alsoTaken], options.preferredSubnets);
    const subnet = parseSubnet(subnetText);
    const ipRange = options.ipRange === undefined ? undefined : checkIpRange(options.ipRange, subnet);
    if (options.bridgeName !== undefined && links.has(options.bridgeName)) {
      throw new ConflictError(`The bridge name ${options.bridgeName} is already used by an interface on this host: choose another name.`);
    }
    for (const other of existing) {
      if (overlaps(subnet, parseSubnet(other.subnet))) {
        throw new ConflictError(`Subnet ${subnet.cidr} overlaps ${other.subnet} of network ${other.name}: choose another subnet.`);
      }
    }
    const orphans = linksWithAlias(env.aliasPrefix);
    for (const route of routes) {
      if (!overlaps(subnet, route.subnet)) continue;
      if (route.dev && orphans.has(route.dev)) {
        throw new ConflictError(
          `Subnet ${subnet.cidr} overlaps bridge ${route.dev}, which an interrupted mydocker command left behind: run \`mydocker system prune\` to remove it.`,
        );
      }
      throw new ConflictError(`Subnet ${subnet.cidr} overlaps the host route ${route.text}: choose another subnet.`);
    }
    const id = randomHex(32);
    const net: NetworkConfig = {
      id,
      name,
      driver: 'bridge',
      subnet: subnet.cidr,
      gateway: chooseGateway(subnet, options.gateway, subnetText),
      bridge: options.bridgeName ?? bridgeName(options.preferredBridge ?? name, id, links),
      createdAt: new Date().toISOString(),
      state: 'creating',
      ...(options.internal ? { internal: true } : {}),
      ...(ipRange ? { ipRange } : {}),
      ...(options.builtin ? { builtin: true } : {}),
    };
    // The record comes first: whatever a kill leaves from here on, the record names it.
    env.store.save(net);
    try {
      await createBridge(net, subnet.prefixLength, bridgeAlias(env.paths.rootHash, name));
      if (options.subnet === undefined) {
        const rival = await earlierRival(net.bridge, subnet);
        if (rival) {
          await undoNetwork(env, net);
          return { lost: subnet };
        }
      }
      faultPoint('network:after-bridge');
      const saved = await iptables.save();
      await iptables.apply(merge(baseRules(env.chains, saved), networkRules(env.chains, net)));
      enableForwarding(env);
      delete net.state;
      net.loopbackGuard = true;
      env.store.save(net);
    } catch (err) {
      await undoNetwork(env, net).catch(() => undefined);
      throw err;
    }
    return net;
  }
}

/** `--ip-range` inside the subnet, in canonical form. */
function checkIpRange(text: string, subnet: Subnet): string {
  const range = parseSubnet(text);
  if (range.network < subnet.network || range.broadcast > subnet.broadcast) {
    throw new UsageError(`Invalid --ip-range ${text}: it must lie inside the subnet ${subnet.cidr}.`);
  }
  return range.cidr;
}

/** Another interface with a route overlapping `subnet` that was made before our bridge (lower ifindex). */
async function earlierRival(bridge: string, subnet: Subnet): Promise<string | undefined> {
  const ifindex = (dev: string) => {
    try {
      return Number(readFileSync(`/sys/class/net/${dev}/ifindex`, 'utf8'));
    } catch {
      return Number.MAX_SAFE_INTEGER;
    }
  };
  const ours = ifindex(bridge);
  return (await hostRoutes()).find((r) => r.dev && r.dev !== bridge && overlaps(subnet, r.subnet) && ifindex(r.dev) < ours)?.dev;
}

/**
 * The default network, made on first use as Docker's daemon makes docker0 at start: on 172.17.0.0/16
 * (or the configured subnet) when no host route or other network touches it, else on the first free pool.
 */
export async function ensureDefaultNetwork(env: NetworkEnv): Promise<NetworkConfig> {
  const found = env.store.find(DEFAULT_NETWORK);
  if (found && found.state !== 'creating') return found;
  const options = defaultNetworkOptions(env.bus.config);
  return createNetwork(env, DEFAULT_NETWORK, {
    builtin: true,
    subnet: options.subnet,
    bridgeName: options.bridgeName,
    preferredBridge: DEFAULT_BRIDGE_NAME,
    preferredSubnets: [DEFAULT_SUBNET],
  });
}

/**
 * A bridge and its rules are kernel state that a reboot (or an `ip link del`) takes away while the network's
 * record stays: made again from the record (same bridge name, subnet and gateway) before a container joins.
 * The check is a /sys lookup, so the common case spawns nothing.
 */
export async function restoreNetwork(env: NetworkEnv, net: NetworkConfig): Promise<NetworkConfig> {
  if (existsSync(`/sys/class/net/${net.bridge}`)) return net;
  return env.store.withLock(async () => {
    const current = env.store.find(net.name);
    if (!current || current.state === 'creating' || current.id !== net.id) return current ?? net;
    if (existsSync(`/sys/class/net/${current.bridge}`)) return current;
    await createBridge(current, parseSubnet(current.subnet).prefixLength, bridgeAlias(env.paths.rootHash, current.name));
    const saved = await iptables.save();
    await iptables.apply(merge(baseRules(env.chains, saved), networkRules(env.chains, current)));
    enableForwarding(env);
    return current;
  });
}

/** Containers need forwarding to leave their bridge; remember whether it was off to put it back. */
function enableForwarding(env: NetworkEnv): void {
  const current = readFileSync(IP_FORWARD, 'utf8').trim();
  if (current === '1') return;
  if (env.store.readSysctl().ipForwardWas === undefined) env.store.writeSysctl({ ipForwardWas: current });
  writeFileSync(IP_FORWARD, '1');
}

/** Rules, bridge and record of one network; then the root's chains if it was the last. Idempotent. */
async function undoNetwork(env: NetworkEnv, net: Pick<NetworkConfig, 'name'> & { bridge?: string }): Promise<void> {
  const saved = await iptables.save();
  await iptables.apply(deletionsWhere(env.chains, saved, (c) => c === networkComment(net.name)));
  for (const bridge of bridgesOf(env, net)) await deleteLink(bridge);
  env.store.delete(net.name);
  await teardownIfLast(env);
}

/** The network's bridge as recorded, and any bridge whose alias names the network (a damaged record). */
function bridgesOf(env: NetworkEnv, net: Pick<NetworkConfig, 'name'> & { bridge?: string }): string[] {
  const found = new Set<string>();
  if (net.bridge && existsSync(`/sys/class/net/${net.bridge}`)) {
    // Only a bridge this root made: a user's own bridge that happens to carry the name stays.
    const alias = linksWithAlias(env.aliasPrefix).get(net.bridge);
    if (alias === undefined || alias === bridgeAlias(env.paths.rootHash, net.name)) found.add(net.bridge);
  }
  for (const [link, alias] of linksWithAlias(env.aliasPrefix)) {
    const owner = parseAlias(env.paths.rootHash, alias);
    if (owner?.kind === 'net' && owner.network === net.name) found.add(link);
  }
  return [...found];
}

/** When the root has no network left (usable, damaged or half-made): its chains go, ip_forward is put back. */
export async function teardownIfLast(env: NetworkEnv): Promise<void> {
  const { networks, damaged } = env.store.scan();
  if (networks.length > 0 || damaged.length > 0) return;
  const after = await iptables.save();
  await iptables.apply(teardownRules(env.chains, after));
  const { ipForwardWas } = env.store.readSysctl();
  // Another engine root's bridges still need forwarding while their chains exist.
  const othersLeft = Object.values(after.chains).some((chains) =>
    [...chains].some((c) => c.startsWith('MYDOCKER-') && !c.startsWith(`MYDOCKER-${env.paths.rootHash}-`)),
  );
  if (ipForwardWas !== undefined && !othersLeft) writeFileSync(IP_FORWARD, ipForwardWas);
  env.store.clearSysctl();
}

/** Refused while a live container holds an address in it; stale holders (crashed, removed) are dropped. */
export async function removeNetwork(env: NetworkEnv, name: string, allowBuiltin = false): Promise<{ name: string }> {
  return env.store.withLock(async () => {
    const broken = env.store.damaged().find((d) => d.name === name);
    const net: Pick<NetworkConfig, 'name' | 'builtin'> & { bridge?: string } = broken ? { name } : env.store.get(name);
    if (net.builtin && !allowBuiltin) throw new ConflictError(`${net.name} is a pre-defined network and cannot be removed.`);
    const state = env.store.tryReadIpam();
    if (state instanceof Error) {
      // Without the address table the attached containers are unknown: the veths on the bridge tell.
      const { bridgePorts } = await import('./links');
      const ports = (await Promise.all(bridgesOf(env, net).map(bridgePorts))).flat();
      if (ports.length > 0) throw state;
    } else {
      const holders = Object.values(state.allocations[net.name] ?? {});
      const live = await env.liveContainers(holders.map((h) => h.containerId));
      const attached = holders.filter((h) => live.has(h.containerId)).map((h) => h.containerName);
      if (attached.length > 0) {
        throw new ConflictError(`Network ${net.name} has containers attached (${attached.join(', ')}): stop, remove or disconnect them first.`);
      }
      await Promise.all(holders.map((h) => deleteLink(h.hostVeth)));
      delete state.allocations[net.name];
      env.store.writeIpam(state);
    }
    await undoNetwork(env, net);
    return net;
  });
}

/** For `system prune`, which holds the lock: a damaged or half-made network's bridge, rules and record. */
export async function removeLeftoverNetwork(env: NetworkEnv, net: DamagedNetwork | NetworkConfig): Promise<void> {
  await undoNetwork(env, { name: net.name, bridge: 'bridge' in net ? net.bridge : undefined });
}

/**
 * A network made before the CVE-2020-8558 guard existed gets it the first time a container joins it
 * (then the record says so, and this costs nothing again).
 */
export async function ensureLoopbackGuard(env: NetworkEnv, net: NetworkConfig): Promise<void> {
  if (net.loopbackGuard) return;
  await env.store.withLock(async () => {
    const current = env.store.find(net.name);
    if (!current || current.loopbackGuard || current.id !== net.id) return;
    const saved = await iptables.save();
    const present = (saved.rules.raw ?? []).some((l) => l.startsWith(`-A ${env.chains.raw} `) && l.includes(networkComment(net.name)));
    const base = baseRules(env.chains, saved);
    await iptables.apply({ raw: [...(base.raw ?? []), ...(present ? [] : (networkRules(env.chains, current).raw ?? []))] });
    current.loopbackGuard = true;
    env.store.save(current);
  });
}

/**
 * `network prune`: every user-defined network no live container is attached to (Docker's; the default
 * network stays). One lock for the whole sweep, so a `run` joining a network waits and then finds it
 * either still there or gone.
 */
export async function pruneUnusedNetworks(env: NetworkEnv): Promise<NetworkConfig[]> {
  const candidates = env.store.list().filter((n) => !n.builtin && n.state !== 'creating');
  const removed: NetworkConfig[] = [];
  for (const net of candidates) {
    try {
      await removeNetwork(env, net.name);
      removed.push(net);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err; // in use: kept
    }
  }
  return removed;
}
