import { isIPv4 } from 'node:net';
import { MydockerError } from '@mydocker/core';
import { isUsableIfname } from './names';
import type { IpamState, NetworkConfig } from './model';

/** A network or IPAM file that cannot be used as it is: one sentence naming the file and the way out. */
export class DamagedFileError extends MydockerError {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message, 125);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** The JSON object in `text`, or why there is none. */
function parseObject(text: string, notObject: string): Record<string, unknown> | string {
  if (text.trim() === '') return 'it is empty';
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'it is not valid JSON';
  }
  return isObject(v) ? v : notObject;
}

/** Why `text` is not a usable network record for `name`, or undefined when it is. */
export function networkProblem(text: string, name: string): string | undefined {
  const parsed = parseObject(text, 'it holds no network record');
  if (typeof parsed === 'string') return parsed;
  const n = parsed as Partial<Record<keyof NetworkConfig, unknown>>;
  if (n.name !== name) return `its name is ${JSON.stringify(n.name)}, not "${name}"`;
  if (!isString(n.id) || !/^[0-9a-f]{64}$/.test(n.id)) return 'its id is missing or malformed';
  if (n.driver !== 'bridge') return 'its driver is not "bridge"';
  if (!isString(n.subnet) || !/^\d+\.\d+\.\d+\.\d+\/\d{1,2}$/.test(n.subnet) || !isIPv4(n.subnet.split('/')[0])) return 'its subnet is missing or malformed';
  if (!isString(n.gateway) || !isIPv4(n.gateway)) return 'its gateway is missing or malformed';
  if (!isString(n.bridge) || !isUsableIfname(n.bridge)) return 'its bridge name is missing or malformed';
  if (typeof n.createdAt !== 'string') return 'its creation time is missing';
  if (n.state !== undefined && n.state !== 'creating') return 'its state is unknown';
  return undefined;
}

/** Why `v` (parsed JSON) is not a usable IPAM state, or undefined when it is. */
export function ipamProblem(text: string): string | undefined {
  const parsed = parseObject(text, 'it holds no address table');
  if (typeof parsed === 'string') return parsed;
  const s = parsed as Partial<Record<keyof IpamState, unknown>>;
  if (s.allocations !== undefined) {
    if (!isObject(s.allocations)) return 'its allocations have the wrong type';
    for (const held of Object.values(s.allocations)) {
      if (!isObject(held)) return 'its allocations have the wrong type';
      for (const [ip, a] of Object.entries(held)) {
        if (!isIPv4(ip) || !isObject(a) || !isString(a.containerId) || typeof a.containerName !== 'string' || !isString(a.hostVeth)) {
          return 'an address allocation has the wrong type';
        }
      }
    }
  }
  if (s.ports !== undefined) {
    if (!isObject(s.ports)) return 'its port reservations have the wrong type';
    for (const [key, h] of Object.entries(s.ports)) {
      if (!/^(tcp|udp)\/([\d.]+|[0-9a-f:]+):\d+$/.test(key) || !isObject(h) || !isString(h.containerId) || typeof h.containerName !== 'string') {
        return 'a port reservation has the wrong type';
      }
    }
  }
  return undefined;
}
