import { MydockerError, type DeviceSpec } from '@mydocker/core';

/** One device cgroup rule, as cgroup v1's devices.allow/deny lines and runc's devices.Rule hold it. */
export interface DeviceRule {
  /** 'a' = every device (char and block), as in a v1 "a" line. */
  type: 'a' | 'c' | 'b';
  /** '*' = any. */
  major: number | '*';
  minor: number | '*';
  /** A non-empty subset of "rwm" (read, write, mknod). */
  access: string;
  allow: boolean;
}

const rule = (type: DeviceRule['type'], major: DeviceRule['major'], minor: DeviceRule['minor'], access: string): DeviceRule => ({
  type,
  major,
  minor,
  access,
  allow: true,
});

/**
 * What every unprivileged container may use, after "deny all": Docker's set, which is runc's specconv
 * AllowedDevices (the same list as Debian's runc 1.1.5 writes). mknod of any node is allowed because an
 * image can bring device nodes anyway; opening one is what the rules decide. Not /dev/console (5:1): runc
 * dropped it long ago, it is the host's console, and a container's console is a pts (136:*).
 */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = Object.freeze([
  rule('c', '*', '*', 'm'),
  rule('b', '*', '*', 'm'),
  rule('c', 1, 3, 'rwm'), // null
  rule('c', 1, 5, 'rwm'), // zero
  rule('c', 1, 7, 'rwm'), // full
  rule('c', 1, 8, 'rwm'), // random
  rule('c', 1, 9, 'rwm'), // urandom
  rule('c', 5, 0, 'rwm'), // tty
  rule('c', 5, 2, 'rwm'), // ptmx
  rule('c', 136, '*', 'rwm'), // pts/*
  rule('c', 10, 200, 'rwm'), // net/tun: runc removed it in 1.2.0 and restored it in 1.2.4 after users relied on it
]);

const DENY_ALL: DeviceRule = { type: 'a', major: '*', minor: '*', access: 'rwm', allow: false };
const ALLOW_ALL: DeviceRule = { type: 'a', major: '*', minor: '*', access: 'rwm', allow: true };

/** Keeps r, w, m in that order, once each; refuses anything else. */
export function normalizeAccess(access: string, what: string): string {
  if (!/^[rwm]+$/.test(access)) {
    throw new MydockerError(`Invalid device access "${access}" for ${what}: use a combination of r, w and m.`);
  }
  return ['r', 'w', 'm'].filter((c) => access.includes(c)).join('');
}

/**
 * The rule list for a container, in order (later rules win): deny all, Docker's defaults, then one rule per
 * `--device` node. `--privileged` allows every device, as Docker does.
 */
export function deviceRules(devices: readonly DeviceSpec[] | undefined, privileged: boolean): DeviceRule[] {
  if (privileged) return [ALLOW_ALL];
  const out = [DENY_ALL, ...DEFAULT_DEVICE_RULES];
  for (const d of devices ?? []) {
    const what = `the device ${d.path}`;
    if (d.type !== 'c' && d.type !== 'b')
      throw new MydockerError(`Invalid device type "${String(d.type)}" for ${what}: only character (c) and block (b) devices can be added.`);
    // The kernel's dev_t holds a 12-bit major and a 20-bit minor.
    if (!Number.isInteger(d.major) || d.major < 0 || d.major > 0xfff || !Number.isInteger(d.minor) || d.minor < 0 || d.minor > 0xfffff) {
      throw new MydockerError(`Invalid device number ${d.major}:${d.minor} for ${what}.`);
    }
    out.push(rule(d.type, d.major, d.minor, normalizeAccess(d.access, what)));
  }
  return out;
}

/** The line cgroup v1 takes in devices.allow / devices.deny, e.g. "c 1:3 rwm" or "a". */
export function formatRule(r: DeviceRule): string {
  if (r.type === 'a') return 'a';
  return `${r.type} ${r.major}:${r.minor} ${r.access}`;
}

/** "allow c 1:3 rwm" / "deny a": how the rules read in the record (`inspect`). */
export function describeRule(r: DeviceRule): string {
  return `${r.allow ? 'allow' : 'deny'} ${formatRule(r)}`;
}

/** The inverse of describeRule, for rules read back from a record. */
export function parseRule(text: string): DeviceRule {
  const m = /^(allow|deny) (?:(a)|([cb]) (\d+|\*):(\d+|\*) ([rwm]+))$/.exec(text);
  if (!m) throw new MydockerError(`Invalid device cgroup rule "${text}".`);
  const num = (s: string) => (s === '*' ? '*' : Number(s));
  if (m[2]) return { ...(m[1] === 'allow' ? ALLOW_ALL : DENY_ALL) };
  return { type: m[3] as 'c' | 'b', major: num(m[4]), minor: num(m[5]), access: normalizeAccess(m[6], text), allow: m[1] === 'allow' };
}
