import { UsageError, type SecuritySpec } from '@mydocker/core';
import type { RuntimeFlags } from './flags';

/** Linux capability numbers (include/uapi/linux/capability.h); the helper receives numbers. */
export const CAPABILITIES: Record<string, number> = {
  CHOWN: 0,
  DAC_OVERRIDE: 1,
  DAC_READ_SEARCH: 2,
  FOWNER: 3,
  FSETID: 4,
  KILL: 5,
  SETGID: 6,
  SETUID: 7,
  SETPCAP: 8,
  LINUX_IMMUTABLE: 9,
  NET_BIND_SERVICE: 10,
  NET_BROADCAST: 11,
  NET_ADMIN: 12,
  NET_RAW: 13,
  IPC_LOCK: 14,
  IPC_OWNER: 15,
  SYS_MODULE: 16,
  SYS_RAWIO: 17,
  SYS_CHROOT: 18,
  SYS_PTRACE: 19,
  SYS_PACCT: 20,
  SYS_ADMIN: 21,
  SYS_BOOT: 22,
  SYS_NICE: 23,
  SYS_RESOURCE: 24,
  SYS_TIME: 25,
  SYS_TTY_CONFIG: 26,
  MKNOD: 27,
  LEASE: 28,
  AUDIT_WRITE: 29,
  AUDIT_CONTROL: 30,
  SETFCAP: 31,
  MAC_OVERRIDE: 32,
  MAC_ADMIN: 33,
  SYSLOG: 34,
  WAKE_ALARM: 35,
  BLOCK_SUSPEND: 36,
  AUDIT_READ: 37,
  PERFMON: 38,
  BPF: 39,
  CHECKPOINT_RESTORE: 40,
};

/** Docker's default set. */
export const DEFAULT_CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FSETID',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
  'AUDIT_WRITE',
];

/** Docker's lists: paths hidden from, or read-only in, an unprivileged container. */
export const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** "net_admin", "CAP_NET_ADMIN" and "NET_ADMIN" all name the same capability; "ALL" is kept. */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  const bare = upper.startsWith('CAP_') ? upper.slice(4) : upper;
  if (bare !== 'ALL' && !(bare in CAPABILITIES)) {
    throw new UsageError(`Unknown capability "${name}": use a name such as NET_ADMIN or SYS_TIME, or ALL.`);
  }
  return bare;
}

interface SecurityOptions {
  noNewPrivileges: boolean;
  seccomp: 'default' | 'unconfined';
}

export function parseSecurityOpts(opts: string[]): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, seccomp: 'default' };
  for (const raw of opts) {
    const opt = raw.trim();
    const m = /^([a-z-]+)(?:[=:](.*))?$/.exec(opt);
    const key = m?.[1];
    const value = m?.[2];
    if (key === 'no-new-privileges' && (value === undefined || value === 'true' || value === 'false')) {
      out.noNewPrivileges = value !== 'false';
    } else if (key === 'seccomp' && value === 'unconfined') {
      out.seccomp = 'unconfined';
    } else {
      throw new UsageError(`Unsupported security option "${raw}": use no-new-privileges or seccomp=unconfined.`);
    }
  }
  return out;
}

/** Docker's rules: start from the defaults, or everything with --cap-add ALL, or nothing with --cap-drop ALL. */
export function resolveCapabilities(capAdd: string[], capDrop: string[]): string[] {
  const add = capAdd.map(normalizeCapability);
  const drop = capDrop.map(normalizeCapability);
  const all = Object.keys(CAPABILITIES);
  let caps: Set<string>;
  if (add.includes('ALL')) caps = new Set(all);
  else if (drop.includes('ALL')) caps = new Set();
  else caps = new Set(DEFAULT_CAPABILITIES);
  if (!add.includes('ALL')) for (const c of drop) caps.delete(c);
  else for (const c of drop) if (c !== 'ALL') caps.delete(c);
  for (const c of add) if (c !== 'ALL') caps.add(c);
  return all.filter((c) => caps.has(c));
}

export function buildSecurity(spec: Pick<RuntimeFlags, 'capAdd' | 'capDrop' | 'privileged' | 'securityOpt'>): SecuritySpec {
  const opts = parseSecurityOpts(spec.securityOpt);
  const capabilities = resolveCapabilities(spec.capAdd, spec.capDrop);
  if (spec.privileged) {
    return {
      capabilities: Object.keys(CAPABILITIES),
      noNewPrivileges: opts.noNewPrivileges,
      seccomp: 'unconfined',
      maskedPaths: [],
      readonlyPaths: [],
      privileged: true,
    };
  }
  return {
    capabilities,
    noNewPrivileges: opts.noNewPrivileges,
    seccomp: opts.seccomp,
    maskedPaths: [...MASKED_PATHS],
    readonlyPaths: [...READONLY_PATHS],
    privileged: false,
  };
}
