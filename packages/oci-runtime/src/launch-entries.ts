import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { CAPABILITY_NUMBERS } from './capabilities';
import { OciError } from './errors';
import { MS, PROPAGATION, parseMountOptions } from './mount-options';
import { DEFAULT_DEVICES } from './resources';
import { seccompEntries } from './seccomp';
import type { OciHook, OciProcess, OciSpec } from './spec-types';

export type Entry = [key: string, value: string];
const US = '\x1f';
const RS = '\x1e';

const NAMESPACES = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup'];

/** RLIMIT_* numbers on Linux. */
const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};
export const RLIMIT_NAMES = Object.keys(RLIMITS);

/** personality(2) domains. */
const PERSONALITY: Record<string, number> = { LINUX: 0x0, LINUX32: 0x8 };

function capList(names: string[] | undefined, set: string): string[] {
  return (names ?? []).map((name) => {
    const n = CAPABILITY_NUMBERS[name];
    if (n === undefined) throw new OciError(`The capability "${name}" in process.capabilities.${set} is not known.`);
    return String(n);
  });
}

function hookEntry(h: OciHook, i: number, stage: string): string {
  if (!h.path || !isAbsolute(h.path)) throw new OciError(`hooks.${stage}[${i}].path must be an absolute path.`);
  return [h.path, String(h.timeout ?? 0), (h.args ?? [h.path]).join(RS), (h.env ?? []).join(RS)].join(US);
}

/** process → entries (shared by create and exec). */
export function processEntries(p: OciProcess, warnings: string[]): Entry[] {
  if (!p.args?.length) throw new OciError('process.args must name the program to run.');
  if (p.commandLine) throw new OciError('process.commandLine is for Windows; use process.args.');
  if (!p.cwd || !posix.isAbsolute(p.cwd)) throw new OciError('process.cwd must be an absolute path.');
  if (!p.user || !Number.isInteger(p.user.uid) || !Number.isInteger(p.user.gid)) throw new OciError('process.user needs numeric uid and gid.');
  const out: Entry[] = [];
  for (const a of p.args) out.push(['arg', a]);
  for (const e of p.env ?? []) {
    if (!e.includes('=')) throw new OciError(`process.env entry "${e}" is not NAME=value.`);
    out.push(['env', e]);
  }
  out.push(['workdir', p.cwd], ['uid', String(p.user.uid)], ['gid', String(p.user.gid)]);
  for (const g of p.user.additionalGids ?? []) out.push(['gids', String(g)]);
  if (p.user.umask !== undefined) out.push(['umask', p.user.umask.toString(8)]);
  if (p.terminal) out.push(['tty', '1']);
  out.push(['caps', '1']);
  const caps = p.capabilities ?? {};
  for (const [set, key] of [
    ['bounding', 'cap_b'],
    ['effective', 'cap_e'],
    ['permitted', 'cap_p'],
    ['inheritable', 'cap_i'],
    ['ambient', 'cap_a'],
  ] as const)
    for (const n of capList(caps[set], set)) out.push([key, n]);
  for (const r of p.rlimits ?? []) {
    const n = RLIMITS[r.type];
    if (n === undefined) throw new OciError(`The rlimit "${r.type}" is not known.`);
    if (r.soft > r.hard) throw new OciError(`The rlimit ${r.type} has a soft limit above its hard limit.`);
    out.push(['rlimit', `${n}${US}${BigInt.asUintN(64, BigInt(r.soft))}${US}${BigInt.asUintN(64, BigInt(r.hard))}`]);
  }
  if (p.noNewPrivileges) out.push(['no_new_privs', '1']);
  if (p.oomScoreAdj !== undefined) {
    if (p.oomScoreAdj < -1000 || p.oomScoreAdj > 1000) throw new OciError('process.oomScoreAdj must be between -1000 and 1000.');
    out.push(['oom_score_adj', String(p.oomScoreAdj)]);
  }
  if (p.apparmorProfile) warnings.push(`process.apparmorProfile "${p.apparmorProfile}" is ignored: this host has no AppArmor.`);
  if (p.selinuxLabel) warnings.push(`process.selinuxLabel is ignored: this host has no SELinux.`);
  if (p.ioPriority) throw new OciError('process.ioPriority is not supported by mydocker-oci.');
  if (p.scheduler) throw new OciError('process.scheduler is not supported by mydocker-oci.');
  if (p.execCPUAffinity) throw new OciError('process.execCPUAffinity is not supported by mydocker-oci.');
  return out;
}

export interface CreatePlan {
  entries: Entry[];
  rootfs: string;
  warnings: string[];
  /** Namespaces the container gets of its own (not joined). */
  newNamespaces: string[];
}

/** Namespaces new or joined by path (absent ones are shared with the runtime, as in runc), user mappings. */
function namespaceEntries(linux: NonNullable<OciSpec['linux']>, entries: Entry[]): string[] {
  const seen = new Set<string>();
  const newNs: string[] = [];
  for (const ns of linux.namespaces ?? []) {
    if (!NAMESPACES.includes(ns.type)) {
      if (ns.type === 'time') throw new OciError('The time namespace is not supported by mydocker-oci.');
      throw new OciError(`The namespace type "${ns.type}" is not known.`);
    }
    if (seen.has(ns.type)) throw new OciError(`The namespace "${ns.type}" is listed twice.`);
    seen.add(ns.type);
    if (ns.path && !isAbsolute(ns.path)) throw new OciError(`The path of the ${ns.type} namespace must be absolute.`);
    if (ns.path && !existsSync(ns.path)) throw new OciError(`The ${ns.type} namespace ${ns.path} does not exist.`);
    if (!ns.path) newNs.push(ns.type);
    entries.push(['ns', `${ns.type}${US}${ns.path ?? ''}`]);
  }
  if (!seen.has('mount') || !newNs.includes('mount'))
    throw new OciError('mydocker-oci needs a new mount namespace (linux.namespaces of type "mount" without a path).');
  if (newNs.includes('user')) {
    if (!linux.uidMappings?.length || !linux.gidMappings?.length) throw new OciError('A new user namespace needs linux.uidMappings and linux.gidMappings.');
    for (const m of linux.uidMappings) entries.push(['uid_map', `${m.containerID} ${m.hostID} ${m.size}`]);
    for (const m of linux.gidMappings) entries.push(['gid_map', `${m.containerID} ${m.hostID} ${m.size}`]);
  } else if ((linux.uidMappings?.length || linux.gidMappings?.length) && !seen.has('user')) {
    throw new OciError('linux.uidMappings and gidMappings need a user namespace.');
  }
  return newNs;
}

/** config.json's mounts, in order: bind sources checked, flags, data and propagation for the helper. */
function mountEntries(spec: OciSpec, bundle: string, entries: Entry[], warnings: string[]): void {
  for (const [i, m] of (spec.mounts ?? []).entries()) {
    const where = `mounts[${i}] (${m.destination})`;
    if (!m.destination || !posix.isAbsolute(m.destination)) throw new OciError(`The destination of mounts[${i}] must be an absolute path.`);
    if (m.uidMappings || m.gidMappings) throw new OciError(`${where}: id-mapped mounts are not supported by mydocker-oci.`);
    const o = parseMountOptions(m.options, where);
    if (o.ignored.length) warnings.push(`${where}: the options ${o.ignored.join(', ')} are ignored.`);
    let type = m.type ?? '';
    if (type === 'bind' || (o.flags & MS.BIND) !== 0) {
      type = 'bind';
      o.flags |= MS.BIND;
      if (!m.source) throw new OciError(`${where}: a bind mount needs a source.`);
    } else if (!type) throw new OciError(`${where} has no type.`);
    let source = m.source ?? type;
    if (type === 'bind' && !isAbsolute(source)) source = join(bundle, source);
    if (type === 'bind' && !existsSync(source)) throw new OciError(`${where}: the bind source ${source} does not exist.`);
    const remount = type === 'bind' && (o.flags & ~(MS.BIND | MS.REC)) !== 0 ? 1 : 0;
    entries.push([
      'ocimount',
      [type, source, posix.normalize(m.destination), o.data, o.flags.toString(16), o.propagation.toString(16), String(remount)].join(US),
    ]);
  }
}

/** The default device nodes, then linux.devices. */
function deviceEntries(linux: NonNullable<OciSpec['linux']>, entries: Entry[]): void {
  for (const [i, d] of [...DEFAULT_DEVICES, ...(linux.devices ?? [])].entries()) {
    const type = d.type === 'u' ? 'c' : d.type;
    if (type === 'p') throw new OciError(`linux.devices: the FIFO ${d.path} is not supported by mydocker-oci.`);
    if (type !== 'c' && type !== 'b') throw new OciError(`linux.devices[${i}].type must be c, b, u or p.`);
    if (!d.path || !posix.isAbsolute(d.path)) throw new OciError(`linux.devices[${i}].path must be absolute.`);
    const mode = d.fileMode ?? 0o666;
    entries.push(['device', [d.path, type, d.major ?? 0, d.minor ?? 0, (mode & 0o7777).toString(8), d.uid ?? 0, d.gid ?? 0].join(US)]);
  }
}

/** Namespaced sysctls only: one that would change the host is refused. */
function sysctlEntries(linux: NonNullable<OciSpec['linux']>, newNs: string[], entries: Entry[]): void {
  for (const [k, v] of Object.entries(linux.sysctl ?? {})) {
    if (!/^[a-z0-9_.\-/]+$/i.test(k) || k.includes('..')) throw new OciError(`The sysctl "${k}" is not a valid name.`);
    const ipc = k.startsWith('kernel.msg') || k.startsWith('kernel.sem') || k.startsWith('kernel.shm') || k.startsWith('fs.mqueue.');
    if (ipc && !newNs.includes('ipc')) throw new OciError(`The sysctl ${k} needs a new ipc namespace.`);
    if (k.startsWith('net.') && !newNs.includes('network')) throw new OciError(`The sysctl ${k} needs a new network namespace.`);
    if (!ipc && !k.startsWith('net.') && k !== 'kernel.domainname' && k !== 'kernel.hostname')
      throw new OciError(`The sysctl ${k} is not namespaced: it would change the host.`);
    entries.push(['sysctl', `${k}=${v}`]);
  }
}

/** Masked and read-only paths, root propagation, personality; what this kernel or runtime cannot do is refused. */
function securityEntries(linux: NonNullable<OciSpec['linux']>, entries: Entry[], warnings: string[]): void {
  if (linux.seccomp) entries.push(...seccompEntries(linux.seccomp));
  for (const p of linux.maskedPaths ?? []) {
    if (!posix.isAbsolute(p)) throw new OciError(`The masked path "${p}" must be absolute.`);
    entries.push(['masked', p]);
  }
  for (const p of linux.readonlyPaths ?? []) {
    if (!posix.isAbsolute(p)) throw new OciError(`The read-only path "${p}" must be absolute.`);
    entries.push(['readonly', p]);
  }
  // Unset: the helper makes the mounts rslave, as runc (native/ocimount.c, oci_prepare_propagation).
  if (linux.rootfsPropagation) {
    const flag = PROPAGATION[linux.rootfsPropagation];
    if (flag === undefined) throw new OciError(`linux.rootfsPropagation "${linux.rootfsPropagation}" is not known.`);
    entries.push(['root_propagation', flag.toString(16)]);
  }
  if (linux.personality) {
    const domain = PERSONALITY[linux.personality.domain];
    if (domain === undefined) throw new OciError(`The personality domain "${linux.personality.domain}" is not known (LINUX or LINUX32).`);
    if (linux.personality.flags?.length) throw new OciError('Personality flags are not supported by mydocker-oci.');
    entries.push(['personality', domain.toString(16)]);
  }
  if (linux.mountLabel) warnings.push('linux.mountLabel is ignored: this host has no SELinux.');
  if (linux.intelRdt) throw new OciError('linux.intelRdt is not supported by mydocker-oci.');
  if (linux.timeOffsets) throw new OciError('linux.timeOffsets (time namespace) is not supported by mydocker-oci.');
  if (linux.memoryPolicy) throw new OciError('linux.memoryPolicy is not supported by mydocker-oci.');
}

/** createContainer/startContainer hooks run in the helper; the other stages are checked here and run by us. */
function hookEntries(spec: OciSpec, entries: Entry[]): void {
  for (const [stage, key] of [
    ['createContainer', 'hook_cc'],
    ['startContainer', 'hook_sc'],
  ] as const)
    for (const [i, h] of (spec.hooks?.[stage] ?? []).entries()) entries.push([key, hookEntry(h, i, stage)]);
  for (const stage of ['prestart', 'createRuntime', 'poststart', 'poststop'] as const)
    for (const [i, h] of (spec.hooks?.[stage] ?? []).entries()) hookEntry(h, i, stage);
}

/** Checks config.json against what this runtime and kernel can do and turns it into the helper's launch config. */
export function createEntries(spec: OciSpec, bundle: string): CreatePlan {
  const warnings: string[] = [];
  if (typeof spec.ociVersion !== 'string' || !/^1\./.test(spec.ociVersion))
    throw new OciError(`config.json's ociVersion "${spec.ociVersion}" is not a 1.x runtime-spec version.`);
  if (!spec.root?.path) throw new OciError('config.json has no root.path.');
  if (!spec.process) throw new OciError('config.json has no process.');
  const rootfs = isAbsolute(spec.root.path) ? spec.root.path : join(bundle, spec.root.path);
  if (!existsSync(rootfs) || !statSync(rootfs).isDirectory()) throw new OciError(`The root filesystem ${rootfs} is not a directory.`);
  const linux = spec.linux ?? {};
  const entries: Entry[] = [
    ['mode', 'oci-create'],
    ['rootfs', rootfs],
  ];
  entries.push(...processEntries(spec.process, warnings));
  if (spec.root.readonly) entries.push(['readonly_root', '1']);
  const newNs = namespaceEntries(linux, entries);
  for (const key of ['hostname', 'domainname'] as const) {
    if (!spec[key]) continue;
    if (!newNs.includes('uts')) throw new OciError(`A ${key} needs a new uts namespace.`);
    entries.push([key, spec[key]]);
  }
  mountEntries(spec, bundle, entries, warnings);
  deviceEntries(linux, entries);
  sysctlEntries(linux, newNs, entries);
  securityEntries(linux, entries, warnings);
  hookEntries(spec, entries);
  return { entries, rootfs, warnings, newNamespaces: newNs };
}
