import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { UsageError, truncate } from '@mydocker/core';
import type { NetworkRunOptions } from './flags';

/**
 * The line after which `/etc/hosts` lists the containers on the same user-defined networks; everything
 * above it is the container's own (loopback, its name, --add-host) and is kept when the list is rewritten.
 */
export const PEERS_MARKER = '# containers on the same networks (kept current by mydocker)';

/** /etc/hosts for a container: loopback names, its own address and hostname, then --add-host lines. */
export function hostsFile(hostname: string, ip?: string, extra: Array<[string, string]> = []): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  for (const [name, address] of extra) lines.push(`${address}\t${name}`);
  lines.push(ip ? `${ip}\t${hostname}` : `127.0.1.1\t${hostname}`);
  return `${lines.join('\n')}\n`;
}

/** --add-host NAME:IP pairs (Docker's order: NAME first); `host-gateway` becomes `gateway`. */
export function addHosts(specs: string[], gateway: string | undefined): Array<[string, string]> {
  return specs.map((spec) => {
    const colon = spec.indexOf(':');
    const eq = spec.indexOf('=');
    const at = eq > 0 && (colon < 0 || eq < colon) ? eq : colon;
    const name = spec.slice(0, at);
    const address = spec.slice(at + 1);
    if (at <= 0 || !/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(name) || (address !== 'host-gateway' && isIP(address) === 0)) {
      throw new UsageError(`Invalid --add-host "${truncate(spec)}": use NAME:IP, e.g. db:10.0.0.5 or host.docker.internal:host-gateway.`);
    }
    if (address !== 'host-gateway') return [name, address];
    if (!gateway) throw new UsageError(`--add-host ${truncate(spec)}: host-gateway needs a bridge network (the host's address on it), not --net none.`);
    return [name, gateway];
  });
}

/** `ip name alias... id12` lines for the peers, under the marker, replacing any earlier list. */
export function withPeers(current: string, peers: string[]): string {
  const at = current.indexOf(`${PEERS_MARKER}\n`);
  const own = at < 0 ? current : current.slice(0, at);
  return peers.length === 0 ? own : `${own}${PEERS_MARKER}\n${peers.join('\n')}\n`;
}

/**
 * The host's resolv.conf without loopback name servers, which a container in its own network namespace
 * cannot reach; Docker's public fallback when nothing is left. --dns, --dns-search and --dns-option
 * replace the host's name servers, search domains and options, as Docker's do.
 */
export function resolvConf(hostText: string, ownNamespace: boolean, opts: NetworkRunOptions = {}): string {
  if (!ownNamespace && !opts.dns?.length && !opts.dnsSearch?.length && !opts.dnsOptions?.length) return hostText;
  // Trailing blank lines dropped, so that added lines follow the host's directly.
  let lines = hostText.split('\n').filter((l, i, all) => !(l === '' && all.slice(i).every((x) => x === '')));
  if (opts.dns?.length) {
    for (const server of opts.dns) if (isIP(server) === 0) throw new UsageError(`Invalid --dns "${truncate(server)}": give the IP address of a name server.`);
    lines = [...lines.filter((l) => !/^\s*nameserver\s/.test(l)), ...opts.dns.map((s) => `nameserver ${s}`)];
  }
  if (opts.dnsSearch?.length)
    lines = [...lines.filter((l) => !/^\s*(search|domain)\s/.test(l)), `search ${opts.dnsSearch.filter((d) => d !== '.').join(' ')}`.trimEnd()];
  if (opts.dnsOptions?.length) lines = [...lines.filter((l) => !/^\s*options\s/.test(l)), `options ${opts.dnsOptions.join(' ')}`];
  lines = lines.filter((l) => l !== 'search');
  if (ownNamespace) {
    lines = lines.filter((l) => !/^\s*nameserver\s+(127\.|::1\s*$)/.test(l));
    if (!lines.some((l) => /^\s*nameserver\s/.test(l))) lines.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
  }
  return `${lines.join('\n')}\n`;
}

export function hostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

export function hostHosts(): string {
  try {
    return readFileSync('/etc/hosts', 'utf8');
  } catch {
    return hostsFile('localhost');
  }
}
