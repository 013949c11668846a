import type { CgroupDeviceRule, CgroupLimits } from '@mydocker/core';
import { OciError } from './errors';
import type { OciDevice, OciResources } from './spec-types';

export interface CgroupRequest {
  limits: CgroupLimits;
  /** undefined: no device rules at all (every device allowed), as runc with an empty list. */
  devices?: CgroupDeviceRule[];
  warnings: string[];
}

/** The default nodes every container gets, and may open (runc's AllowedDevices for them). */
export const DEFAULT_DEVICES: OciDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

const positive = (v: number | undefined) => (v !== undefined && v !== null && v > 0 ? v : undefined);

/** linux.resources → the cgroup manager's limits (v1 units) and device rules; refuses what it cannot set. */
export function cgroupRequest(res: OciResources = {}, devices: OciDevice[] = []): CgroupRequest {
  const warnings: string[] = [];
  const limits: CgroupLimits = {};
  const mem = res.memory ?? {};
  if (positive(mem.limit)) limits.memory = mem.limit;
  if (mem.swap !== undefined && mem.swap !== 0) {
    if (limits.memory === undefined && mem.swap !== -1) throw new OciError('linux.resources.memory.swap needs memory.limit too.');
    if (mem.swap !== -1 && mem.swap < (limits.memory ?? 0))
      throw new OciError('linux.resources.memory.swap (memory plus swap) must not be below memory.limit.');
    if (limits.memory !== undefined) limits.memorySwap = mem.swap;
  }
  for (const k of ['reservation', 'kernel', 'kernelTCP', 'swappiness', 'disableOOMKiller'] as const)
    if (mem[k] !== undefined && mem[k] !== null) warnings.push(`linux.resources.memory.${k} is ignored by mydocker-oci.`);
  const cpu = res.cpu ?? {};
  if (positive(cpu.shares)) limits.cpuShares = cpu.shares;
  if (positive(cpu.quota)) {
    limits.cpuQuota = cpu.quota;
    limits.cpuPeriod = positive(cpu.period) ?? 100_000;
  }
  if (cpu.cpus) limits.cpusetCpus = cpu.cpus;
  if (cpu.mems) limits.cpusetMems = cpu.mems;
  if (positive(cpu.realtimeRuntime) || positive(cpu.realtimePeriod))
    throw new OciError('linux.resources.cpu realtime scheduling is not supported by mydocker-oci.');
  if (cpu.burst || cpu.idle) throw new OciError('linux.resources.cpu burst and idle are not supported by mydocker-oci.');
  if (res.pids?.limit !== undefined && res.pids.limit !== 0) limits.pidsLimit = res.pids.limit > 0 ? res.pids.limit : -1;
  const blkio = res.blockIO ?? {};
  if (Object.values(blkio).some((v) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)))
    throw new OciError('linux.resources.blockIO is not supported by mydocker-oci (its cgroup manager sets no blkio limits).');
  if (res.hugepageLimits?.length) throw new OciError('linux.resources.hugepageLimits is not supported by mydocker-oci.');
  if (res.rdma) throw new OciError('linux.resources.rdma is not supported by mydocker-oci.');
  if (res.unified && Object.keys(res.unified).length) throw new OciError('linux.resources.unified is not supported by mydocker-oci.');
  if (res.network) warnings.push('linux.resources.network is ignored by mydocker-oci.');
  let rules: CgroupDeviceRule[] | undefined;
  if (res.devices?.length) {
    rules = res.devices.map((d, i) => {
      const type = d.type ?? 'a';
      if (type !== 'a' && type !== 'c' && type !== 'b') throw new OciError(`linux.resources.devices[${i}].type must be a, c or b.`);
      const access = d.access ?? 'rwm';
      if (!/^[rwm]{1,3}$/.test(access)) throw new OciError(`linux.resources.devices[${i}].access must be a subset of "rwm".`);
      return { type, major: d.major ?? '*', minor: d.minor ?? '*', access, allow: !!d.allow };
    });
    // As runc: the default nodes and config.json's own devices may always be used.
    rules.push(
      { type: 'c', major: '*', minor: '*', access: 'm', allow: true },
      { type: 'b', major: '*', minor: '*', access: 'm', allow: true },
      { type: 'c', major: 136, minor: '*', access: 'rwm', allow: true }, // the container's ptys
      { type: 'c', major: 5, minor: 2, access: 'rwm', allow: true }, // /dev/ptmx
    );
    for (const dev of [...DEFAULT_DEVICES, ...devices])
      if (dev.type === 'c' || dev.type === 'b') rules.push({ type: dev.type, major: dev.major!, minor: dev.minor!, access: 'rwm', allow: true });
  }
  return { limits, devices: rules, warnings };
}
