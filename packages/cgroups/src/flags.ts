import { flagsOf, flagString, type FlagDeclaration, type FlagValues, type RunSpec } from '@mydocker/core';

export const PLUGIN_NAME = 'cgroups';

/** The resource flags of `run`/`create` (and `update`), raw as typed; `parseResources` checks them. */
export interface ResourceOptions {
  memory?: string;
  memorySwap?: string;
  cpuShares?: string;
  cpus?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  memoryReservation?: string;
  blkioWeight?: string;
  /** Accepted and ignored, with Docker's deprecation warning (removed from Docker 23's engine). */
  kernelMemory?: string;
}

/** The flags as the user spells them (and as `spec.flags.cgroups` keeps them), and the ResourceOptions key each one sets. */
export const RESOURCE_FLAGS: Array<[flag: string, key: keyof ResourceOptions]> = [
  ['cpus', 'cpus'],
  ['cpu-shares', 'cpuShares'],
  ['cpuset-cpus', 'cpusetCpus'],
  ['cpuset-mems', 'cpusetMems'],
  ['memory', 'memory'],
  ['memory-swap', 'memorySwap'],
  ['pids-limit', 'pidsLimit'],
  ['cpu-period', 'cpuPeriod'],
  ['cpu-quota', 'cpuQuota'],
  ['memory-reservation', 'memoryReservation'],
  ['blkio-weight', 'blkioWeight'],
  ['kernel-memory', 'kernelMemory'],
];

/** What this plugin adds to `run` and `create` (the seed's `-cpushare`/`-cpuset` spellings included). */
export const RUN_FLAGS: FlagDeclaration[] = [
  { name: 'memory', alias: ['m'], type: 'string', describe: 'Memory limit (e.g. 100m)', nonEmpty: true },
  { name: 'memory-swap', type: 'string', describe: 'Memory + swap limit (-1: unlimited)' },
  { name: 'cpu-shares', alias: ['c'], type: 'string', describe: 'CPU shares (relative weight)', seed: ['-cpushare'] },
  { name: 'cpus', type: 'string', describe: 'Number of CPUs (e.g. 1.5)' },
  { name: 'cpuset-cpus', type: 'string', describe: 'CPUs allowed (e.g. 0-1)', seed: ['-cpuset'] },
  { name: 'cpuset-mems', type: 'string', describe: 'Memory nodes allowed' },
  { name: 'pids-limit', type: 'string', describe: 'Maximum number of processes' },
  { name: 'cpu-period', type: 'string', describe: 'Limit CPU CFS (Completely Fair Scheduler) period (1000-1000000 µs)' },
  { name: 'cpu-quota', type: 'string', describe: 'Limit CPU CFS (Completely Fair Scheduler) quota (µs per period; -1: none)' },
  { name: 'memory-reservation', type: 'string', describe: 'Memory soft limit (e.g. 50m)' },
  { name: 'blkio-weight', type: 'string', describe: 'Block IO (relative weight), between 10 and 1000, or 0 to disable' },
  { name: 'kernel-memory', type: 'string', describe: 'Kernel memory limit (deprecated: accepted and ignored, as Docker 23+)' },
];

/** The resource flags of a request, under their ResourceOptions keys. */
export function resourcesOf(spec: Pick<RunSpec, 'flags'>): ResourceOptions {
  const values = flagsOf(spec, PLUGIN_NAME);
  const out: ResourceOptions = {};
  for (const [flag, key] of RESOURCE_FLAGS) {
    const value = flagString(values, flag);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** ResourceOptions back to the flag values kept in the spec (what `update` writes). */
export function resourceFlagValues(options: ResourceOptions): FlagValues {
  const out: FlagValues = {};
  for (const [flag, key] of RESOURCE_FLAGS) if (options[key] !== undefined) out[flag] = options[key];
  return out;
}
