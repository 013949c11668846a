import { UsageError, type DeviceSpec, type LogTarget, type MountDescription, type MountSpec, type SecuritySpec } from '@mydocker/core';
import { CAPABILITIES } from './capabilities';

/** One entry of the helper's launch config; repeated keys make lists. */
export type ConfigEntry = [key: string, value: string];

const FIELD = '\x1f';

/**
 * The wire format the helper reads on fd 3: NUL-separated `key=value` entries ending with an empty one.
 * Values may hold anything but NUL, which no path, argument or environment entry can contain anyway.
 */
export function serializeConfig(entries: ConfigEntry[]): Buffer {
  const parts: string[] = [];
  for (const [key, value] of entries) {
    if (!/^[a-z_]+$/.test(key)) throw new Error(`bad launch config key "${key}"`);
    if (value.includes('\0')) throw new UsageError(`The value "${value.replace(/\0/g, '\\0')}" contains a NUL byte, which a process cannot receive.`);
    parts.push(`${key}=${value}\0`);
  }
  parts.push('\0');
  return Buffer.from(parts.join(''), 'utf8');
}

export function parseConfig(buf: Buffer): ConfigEntry[] {
  const text = buf.toString('utf8');
  const end = text.indexOf('\0\0');
  const body = end === -1 ? text : text.slice(0, end + 1);
  return body
    .split('\0')
    .filter((e) => e.length > 0)
    .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as ConfigEntry);
}

export function mountEntry(m: MountSpec): ConfigEntry {
  if (!m.destination.startsWith('/')) throw new UsageError(`The mount destination "${m.destination}" must be an absolute path.`);
  for (const v of [m.source, m.destination, m.data ?? '']) {
    if (v.includes(FIELD)) throw new UsageError(`The mount path "${v}" contains a control character.`);
  }
  // The helper reads the last field as tmpfs options, or as a bind's propagation.
  const data = m.type === 'bind' ? (m.propagation ?? '') : (m.data ?? '');
  return ['mount', [m.type, m.source, m.destination, m.readOnly ? '1' : '0', data].join(FIELD)];
}

/** "path US type US major US minor US mode(octal) US uid US gid": what the helper mknods in the container. */
export function deviceEntry(d: DeviceSpec): ConfigEntry {
  if (!d.path.startsWith('/') || d.path.includes(FIELD))
    throw new UsageError(`The device path "${d.path}" must be an absolute path without control characters.`);
  return ['device', [d.path, d.type, d.major, d.minor, (d.fileMode & 0o7777).toString(8), d.uid, d.gid].join(FIELD)];
}

export function securityEntries(security: SecuritySpec): ConfigEntry[] {
  const entries: ConfigEntry[] = security.capabilities.map((c) => ['cap', String(CAPABILITIES[c])]);
  entries.push(['seccomp', security.seccomp], ['no_new_privs', security.noNewPrivileges ? '1' : '0'], ['privileged', security.privileged ? '1' : '0']);
  for (const p of security.maskedPaths) entries.push(['masked', p]);
  for (const p of security.readonlyPaths) entries.push(['readonly', p]);
  return entries;
}

export interface RunLaunch {
  rootfs: string;
  /** The mount that makes `rootfs` (ContainerContext.rootfsMount): the helper makes it, and undoes it at the end. */
  rootfsMount?: MountDescription;
  command: string[];
  env: string[];
  hostname: string;
  workdir: string;
  user?: string;
  tty: boolean;
  interactive: boolean;
  /** Docker's StdinOnce: the end of a foreground run's input closes the container's stdin (else it stays open). */
  stdinOnce?: boolean;
  detach: boolean;
  readOnly: boolean;
  mounts: MountSpec[];
  devices?: DeviceSpec[];
  security: SecuritySpec;
  shared: string[];
  log?: LogTarget;
  exitFile: string;
  exitCommand: string[];
  /** While this file exists the monitor skips the exit command: a `stop` or `rm -f` settles the record itself. */
  exitClaimFile?: string;
  /** The monitor's attach socket (`mydocker attach`). */
  attachSocket?: string;
  /** run -a: which output streams a foreground run copies to the CLI (default both). */
  attachStdout?: boolean;
  attachStderr?: boolean;
  /** --sig-proxy=false: the monitor keeps the signals it receives to itself. */
  sigProxy?: boolean;
  /** --init: the helper's own init mode is PID 1. */
  init?: boolean;
  /** run -it: the keys that detach the CLI while the container keeps running. */
  detachKeys?: Buffer;
  /**
   * After the exit command asked for it ("restart MS" on its stdout: the record's policy, which `update
   * --restart` may change while the container runs), the monitor waits the back-off and runs this.
   */
  restartCommand?: string[];
  /** A policy at launch: PID 1 dies with its monitor, so a killed monitor shows as an exit. */
  dieWithMonitor?: boolean;
  /** A health check: the monitor runs this every `healthIntervalMs` while the container runs. */
  healthCommand?: string[];
  healthIntervalMs?: number;
  /** During the first `healthStartPeriodMs`, until a check passes, every `healthStartIntervalMs` instead. */
  healthStartIntervalMs?: number;
  healthStartPeriodMs?: number;
  /** cgroup v1 directories PID 1 joins itself right after the clone (ContainerContext.cgroupSelfJoin). */
  cgroupSelfJoin?: readonly string[];
}

/** What the helper accepts too (cgjoin.c): an absolute path without "." or ".." components. */
export function cgroupJoinEntry(dir: string): ConfigEntry {
  if (!dir.startsWith('/') || dir.split('/').some((part) => part === '.' || part === '..'))
    throw new Error(`the cgroup directory "${dir}" to join is not an absolute path without "." or ".."`);
  return ['cgroup_join', dir];
}

export function runConfig(l: RunLaunch): ConfigEntry[] {
  const e: ConfigEntry[] = [
    ['mode', 'run'],
    ['rootfs', l.rootfs],
  ];
  if (l.rootfsMount) {
    const m = l.rootfsMount;
    const fields = [m.type, m.source, m.options, m.cwd ?? ''];
    if (fields.some((f) => f.includes(FIELD)))
      throw new UsageError(`The container's root mount cannot be described to the runtime helper: ${JSON.stringify(m)}.`);
    e.push(['rootfs_mount', fields.join(FIELD)]);
  }
  for (const a of l.command) e.push(['arg', a]);
  for (const v of l.env) e.push(['env', v]);
  e.push(['hostname', l.hostname], ['workdir', l.workdir]);
  if (l.user) e.push(['user', l.user]);
  e.push(['tty', flag(l.tty)], ['interactive', flag(l.interactive)], ['detach', flag(l.detach)], ['readonly_root', flag(l.readOnly)]);
  if (l.stdinOnce) e.push(['stdin_once', '1']);
  for (const m of l.mounts) e.push(mountEntry(m));
  for (const d of l.devices ?? []) e.push(deviceEntry(d));
  e.push(...securityEntries(l.security));
  for (const ns of l.shared) e.push(['share', ns]);
  if (l.log) e.push(['log_path', l.log.path], ['log_max_size', String(l.log.maxSize)], ['log_max_files', String(Math.max(1, l.log.maxFiles))]);
  e.push(['exit_file', l.exitFile]);
  for (const a of l.exitCommand) e.push(['exit_command', a]);
  if (l.exitClaimFile) e.push(['exit_claim_file', l.exitClaimFile]);
  if (l.attachSocket) e.push(['attach_path', l.attachSocket]);
  if (l.attachStdout === false) e.push(['attach_stdout', '0']);
  if (l.attachStderr === false) e.push(['attach_stderr', '0']);
  if (l.sigProxy === false) e.push(['sig_proxy', '0']);
  if (l.init) e.push(['init', '1']);
  if (l.detachKeys) e.push(['detach_keys', l.detachKeys.toString('hex')]);
  for (const a of l.restartCommand ?? []) e.push(['restart_command', a]);
  if (l.dieWithMonitor) e.push(['die_with_monitor', '1']);
  for (const dir of l.cgroupSelfJoin ?? []) e.push(cgroupJoinEntry(dir));
  if (l.healthCommand?.length && l.healthIntervalMs) {
    for (const a of l.healthCommand) e.push(['health_command', a]);
    e.push(['health_interval', String(Math.max(1, Math.round(l.healthIntervalMs)))]);
    if (l.healthStartIntervalMs && l.healthStartPeriodMs) {
      e.push(['health_start_interval', String(Math.max(1, Math.round(l.healthStartIntervalMs)))]);
      e.push(['health_start_period', String(Math.max(1, Math.round(l.healthStartPeriodMs)))]);
    }
  }
  return e;
}

export interface ExecLaunch {
  pid: number;
  command: string[];
  env: string[];
  workdir: string;
  user?: string;
  tty: boolean;
  interactive: boolean;
  security: SecuritySpec;
}

export function execConfig(l: ExecLaunch): ConfigEntry[] {
  const e: ConfigEntry[] = [
    ['mode', 'exec'],
    ['pid', String(l.pid)],
  ];
  for (const a of l.command) e.push(['arg', a]);
  for (const v of l.env) e.push(['env', v]);
  e.push(['workdir', l.workdir]);
  if (l.user) e.push(['user', l.user]);
  e.push(['tty', flag(l.tty)], ['interactive', flag(l.interactive)]);
  e.push(...securityEntries(l.security));
  return e;
}

function flag(b: boolean): string {
  return b ? '1' : '0';
}
