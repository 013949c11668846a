import type { DeviceRule } from './devices/rules';
import type { Freezer } from './freezer';
import type { Limits } from './limits';

/** One reading of a container's cgroup, for `stats`. */
export interface CgroupStats {
  /** Total CPU time used, in nanoseconds. */
  cpuUsageNs?: number;
  /** CPU time in user and in kernel mode, nanoseconds (v1 cpuacct.stat, v2 cpu.stat). */
  cpuUserNs?: number;
  cpuKernelNs?: number;
  /** CPU time per CPU, nanoseconds (v1 cpuacct.usage_percpu; cgroup v2 keeps no per-CPU count). */
  cpuPerCpuNs?: number[];
  /** CFS bandwidth control (cpu.stat): periods run, periods throttled, time throttled in nanoseconds. */
  cpuThrottling?: { periods: number; throttledPeriods: number; throttledTimeNs: number };
  /** Bytes in use, page cache that can be dropped not counted (as `docker stats`). */
  memoryUsage?: number;
  /** Bytes; undefined when unlimited. */
  memoryLimit?: number;
  pids?: number;
  /** Bytes read and written by block devices (v1 blkio, v2 io.stat). */
  blockRead?: number;
  blockWrite?: number;
}

/**
 * One container's cgroup, whichever hierarchy the host mounts (youki's libcgroups shape: a manager per
 * version, one file per controller).
 */
export interface CgroupManager {
  readonly version: 1 | 2;
  /** Controller (v1) or "unified" (v2) → the container's cgroup directory. */
  readonly paths: Record<string, string>;
  /** Refuses (UsageError naming the controller or file) a limit this host cannot enforce; touches nothing. */
  check(limits: Limits): void;
  /**
   * Makes the cgroup directories, writes the limits and, when given, the device rules (v1 devices.allow/deny,
   * or a v2 device program). On failure, removes what it made and throws.
   */
  create(limits: Limits, devices?: readonly DeviceRule[]): Promise<void>;
  /** Moves a process (the container's PID 1, or an exec'd one) into the cgroup. */
  addProcess(pid: number): void;
  /** Processes still in the cgroup. */
  processes(): number[];
  /** True when the kernel's OOM killer killed a process of this cgroup. */
  oomKilled(): boolean;
  stats(): CgroupStats;
  /** The freezer (`pause`/`unpause`), or undefined when the host mounts none for this cgroup. */
  freezer(): Freezer | undefined;
  /**
   * Writes `changes` (only the limits that change; memory and memorySwap together) to the live cgroup.
   * All or nothing: on a refusal every file written is put back before the error is thrown.
   */
  update(changes: Limits): void;
  /** Whether --blkio-weight can be written (an I/O controller with a weight); Docker discards it otherwise. */
  supportsBlkioWeight(): boolean;
  /** Kills what is left inside, removes the directories and the parent once empty. Idempotent. */
  destroy(): Promise<void>;
}

/** Which flag needs which controller, for the "missing controller" sentence. */
export function requestedControllers(limits: Limits): Array<[controller: string, flag: string]> {
  const out: Array<[string, string]> = [];
  if (limits.memory !== undefined) out.push(['memory', '-m/--memory']);
  if (limits.cpuShares !== undefined) out.push(['cpu', '--cpu-shares']);
  if (limits.cpuQuota !== undefined) out.push(['cpu', '--cpus/--cpu-quota/--cpu-period']);
  if (limits.memoryReservation !== undefined) out.push(['memory', '--memory-reservation']);
  if (limits.cpusetCpus !== undefined) out.push(['cpuset', '--cpuset-cpus']);
  if (limits.cpusetMems !== undefined) out.push(['cpuset', '--cpuset-mems']);
  if (limits.pidsLimit !== undefined) out.push(['pids', '--pids-limit']);
  return out;
}
