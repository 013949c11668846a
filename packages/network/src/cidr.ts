import * as ipaddr from 'ipaddr.js';
import { UsageError } from '@mydocker/core';

/** An IPv4 subnet as integers, so that allocation is plain arithmetic. */
export interface Subnet {
  /** Canonical form, e.g. "192.168.10.0/24". */
  cidr: string;
  prefixLength: number;
  network: number;
  broadcast: number;
}

export function ipToInt(ip: string): number {
  const b = ipaddr.IPv4.parse(ip).toByteArray();
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isIPv4(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text);
}

/**
 * Parses "192.168.10.1/24" (the seed's spelling, a host address with its prefix) or "192.168.10.0/24".
 * Subnets smaller than /30 have no room for a gateway and a container, so they are refused.
 */
export function parseSubnet(text: string): Subnet {
  const [addr, prefix] = text.split('/');
  if (prefix === undefined || !isIPv4(addr) || !/^\d{1,2}$/.test(prefix) || Number(prefix) > 32) {
    throw new UsageError(`Invalid subnet "${text}": use an IPv4 CIDR such as 192.168.10.0/24.`);
  }
  const prefixLength = Number(prefix);
  if (prefixLength > 30 || prefixLength < 8) {
    throw new UsageError(`Subnet ${text} is not usable: the prefix length must be between /8 and /30.`);
  }
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  const network = (ipToInt(addr) & mask) >>> 0;
  const broadcast = (network | (~mask >>> 0)) >>> 0;
  return { cidr: `${intToIp(network)}/${prefixLength}`, prefixLength, network, broadcast };
}

export function contains(subnet: Subnet, ip: number): boolean {
  return ip >= subnet.network && ip <= subnet.broadcast;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.network <= b.broadcast && b.network <= a.broadcast;
}

/** Addresses a container may get: not the network or broadcast address. */
export function isHostAddress(subnet: Subnet, ip: number): boolean {
  return ip > subnet.network && ip < subnet.broadcast;
}

/** The gateway: the one given, else the address the seed's form named, else the first host address. */
export function chooseGateway(subnet: Subnet, given: string | undefined, subnetText: string): string {
  if (given !== undefined) {
    if (!isIPv4(given) || !isHostAddress(subnet, ipToInt(given))) {
      throw new UsageError(`Invalid gateway "${given}": give a host address inside ${subnet.cidr}.`);
    }
    return given;
  }
  const typed = ipToInt(subnetText.split('/')[0]);
  return intToIp(isHostAddress(subnet, typed) ? typed : subnet.network + 1);
}

/** Docker's scheme: 02:42 followed by the four bytes of the address, unique within the subnet. */
export function macForIp(ip: string): string {
  return [
    '02',
    '42',
    ...ipaddr.IPv4.parse(ip)
      .toByteArray()
      .map((b) => b.toString(16).padStart(2, '0')),
  ].join(':');
}
