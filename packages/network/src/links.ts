import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { runCommand, tryRunCommand } from '@mydocker/core';
import type { Endpoint, NetworkConfig } from './model';

export async function linkExists(name: string): Promise<boolean> {
  return (await tryRunCommand('ip', ['link', 'show', 'dev', name])).code === 0;
}

/** Interface names of this network namespace, from sysfs: no process to spawn on every run. */
export async function linkNames(): Promise<Set<string>> {
  try {
    return new Set(readdirSync('/sys/class/net'));
  } catch {
    const out = await runCommand('ip', ['-o', 'link', 'show']);
    return new Set(
      out
        .split('\n')
        .map((l) => l.split(': ')[1]?.split('@')[0])
        .filter((n): n is string => Boolean(n)),
    );
  }
}

/** Interfaces enslaved to a bridge. */
export async function bridgePorts(bridge: string): Promise<string[]> {
  const r = await tryRunCommand('ip', ['-o', 'link', 'show', 'master', bridge]);
  if (r.code !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => l.split(': ')[1]?.split('@')[0])
    .filter((n): n is string => Boolean(n));
}

/**
 * The bridge with the gateway address. route_localnet lets connections to 127.0.0.1 be DNAT'ed onto
 * this bridge (the rule set masquerades their source); it is per-interface and goes with the bridge.
 */
export async function createBridge(net: NetworkConfig, prefixLength: number, alias: string): Promise<void> {
  await runCommand('ip', ['-batch', '-'], {
    input:
      [
        `link add name ${net.bridge} type bridge`,
        `link set dev ${net.bridge} alias ${alias}`,
        `addr add ${net.gateway}/${prefixLength} dev ${net.bridge}`,
        `link set ${net.bridge} up`,
      ].join('\n') + '\n',
  });
  writeFileSync(`/proc/sys/net/ipv4/conf/${net.bridge}/route_localnet`, '1');
}

/**
 * Idempotent: a missing link is not an error. A container's veth usually went with its network namespace
 * (the kernel deletes the pair with the peer), so sysfs is asked first and no process is spawned then.
 */
export async function deleteLink(name: string): Promise<void> {
  if (!existsSync(`/sys/class/net/${name}`)) return;
  const r = await tryRunCommand('ip', ['link', 'del', 'dev', name]);
  if (r.code !== 0 && (await linkExists(name))) throw new Error(`ip link del ${name} failed: ${r.stderr.trim()}`);
}

/**
 * A veth pair made in one step with its container end already inside the process's network namespace,
 * so no temporary name is ever visible on the host; then address, MAC, route and loopback inside.
 */
export async function attachEndpoint(pid: number, ep: Endpoint, defaultRoute: boolean, alias: string): Promise<void> {
  await runCommand('ip', ['-batch', '-'], {
    input:
      [
        `link add name ${ep.hostVeth} type veth peer name ${ep.ifname} netns ${pid}`,
        `link set dev ${ep.hostVeth} alias ${alias}`,
        `link set ${ep.hostVeth} master ${ep.bridge}`,
        // Hairpin: with br_netfilter a container's packet to its own published port is DNAT'ed at the
        // bridge and must leave through the port it came in on, which a bridge port refuses by default.
        `link set dev ${ep.hostVeth} type bridge_slave hairpin on`,
        `link set ${ep.hostVeth} up`,
      ].join('\n') + '\n',
  });
  const inside = [
    `link set lo up`,
    `link set ${ep.ifname} address ${ep.mac}`,
    `addr add ${ep.ip}/${ep.prefixLength} dev ${ep.ifname}`,
    `link set ${ep.ifname} up`,
  ];
  if (defaultRoute) inside.push(`route add default via ${ep.gateway} dev ${ep.ifname}`);
  await runCommand('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', '-batch', '-'], { input: inside.join('\n') + '\n' });
}

/** Host interfaces whose alias starts with `prefix`, read from sysfs (no process to spawn): name → alias. */
export function linksWithAlias(prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync('/sys/class/net');
  } catch {
    return out;
  }
  for (const name of names) {
    try {
      const alias = readFileSync(`/sys/class/net/${name}/ifalias`, 'utf8').trim();
      if (alias.startsWith(prefix)) out.set(name, alias);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
