import { readFileSync } from 'node:fs';

/** /etc/hosts for a container: loopback names plus its own address and hostname. */
export function hostsFile(hostname: string, ip?: string): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  lines.push(ip ? `${ip}\t${hostname}` : `127.0.1.1\t${hostname}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The host's resolv.conf without loopback name servers, which a container in its own network namespace
 * cannot reach; Docker's public fallback when nothing is left.
 */
export function resolvConf(hostText: string, ownNamespace: boolean): string {
  if (!ownNamespace) return hostText;
  const lines = hostText.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\s*$)/.test(l));
  if (!lines.some((l) => /^\s*nameserver\s/.test(l))) lines.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
  return `${lines.filter((l, i) => l !== '' || i < lines.length - 1).join('\n')}\n`;
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
