/** Resource limits after parsing: numbers the kernel files take, in the units cgroup v1 uses. */
export interface Limits {
  /** Bytes. */
  memory?: number;
  /** Memory + swap in bytes; -1 = unlimited swap. */
  memorySwap?: number;
  /** Relative CPU weight, 2..262144 (v1 cpu.shares). */
  cpuShares?: number;
  /** CFS quota in microseconds per `cpuPeriod`. */
  cpuQuota?: number;
  cpuPeriod?: number;
  /** Canonical list, e.g. "0-1,3". */
  cpusetCpus?: string;
  cpusetMems?: string;
  /** Maximum number of tasks; -1 = unlimited. */
  pidsLimit?: number;
  /** Soft limit in bytes (v1 memory.soft_limit_in_bytes, v2 memory.low). */
  memoryReservation?: number;
  /** Block I/O weight 10..1000 (v1 blkio.weight or blkio.bfq.weight, v2 io.bfq.weight or io.weight). */
  blkioWeight?: number;
}

/** What the plugin keeps in `record.ext.cgroups`, shown by `inspect` and used again at stop. */
export interface CgroupsExt {
  version: 1 | 2;
  /** Controller (v1) or "unified" (v2) → absolute cgroup directory of the container. */
  paths: Record<string, string>;
  /** The cgroup parent (relative to each hierarchy) the container was made under. */
  parent: string;
  limits: Limits;
  /** The device cgroup rules in force, in order, e.g. "deny a", "allow c 1:3 rwm" (set at create). */
  devices?: string[];
}

export const CPU_PERIOD = 100_000;
/** Docker refuses smaller memory limits. */
export const MIN_MEMORY = 6 * 1024 * 1024;
