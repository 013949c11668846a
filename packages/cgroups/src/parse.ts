import { readFileSync } from 'node:fs';
import { truncate, UsageError } from '@mydocker/core';
import type { ResourceOptions } from './flags';
import { CPU_PERIOD, MIN_MEMORY, type Limits } from './limits';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Docker's RAMInBytes: "512", "100m", "1.5g", "64MiB", "2GB" (binary multiples). */
export function parseBytes(raw: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgtp])?(?:i?b)?\s*$/i.exec(raw);
  if (!m) throw new UsageError(`Invalid value "${truncate(raw)}" for ${flag}: use a number with an optional unit b, k, m or g (e.g. 100m).`);
  const bytes = Math.floor(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]);
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`Invalid value "${truncate(raw)}" for ${flag}: the size is too large.`);
  return bytes;
}

function parseInteger(raw: string, flag: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw new UsageError(`Invalid value "${truncate(raw)}" for ${flag}: expected a whole number.`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new UsageError(`Invalid value "${truncate(raw)}" for ${flag}: the number is too large.`);
  return n;
}

/** Parses a cpuset list ("0-2,4") into sorted unique numbers. */
export function parseCpuList(raw: string, flag: string): number[] {
  const trimmed = raw.trim();
  const bad = () => new UsageError(`Invalid value "${truncate(raw)}" for ${flag}: use a list or ranges of numbers, e.g. 0-3 or 0,2.`);
  if (trimmed === '') throw bad();
  const out = new Set<number>();
  for (const part of trimmed.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw bad();
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from || to - from > 65536) throw bad();
    for (let i = from; i <= to; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** The canonical kernel spelling of a set of numbers: "0-2,4". */
export function formatCpuList(nums: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < nums.length;) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j] + 1) j++;
    parts.push(i === j ? `${nums[i]}` : `${nums[i]}-${nums[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** What the host offers, so that values can be checked before anything is made. */
export interface HostFacts {
  onlineCpus: number[];
  onlineMems: number[];
}

function readList(path: string, fallback: number[]): number[] {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text ? parseCpuList(text, path) : fallback;
  } catch {
    return fallback;
  }
}

export function readHostFacts(): HostFacts {
  return {
    onlineCpus: readList('/sys/devices/system/cpu/online', [0]),
    // Hosts without NUMA sysfs have the single node 0.
    onlineMems: readList('/sys/devices/system/node/online', [0]),
  };
}

function checkSubset(raw: string, flag: string, available: number[], what: string): string {
  const wanted = parseCpuList(raw, flag);
  const missing = wanted.filter((n) => !available.includes(n));
  if (missing.length > 0) {
    throw new UsageError(
      `Invalid value "${truncate(raw)}" for ${flag}: ${what} ${formatCpuList(missing)} ${missing.length > 1 ? 'are' : 'is'} not available on this host (online: ${formatCpuList(available)}).`,
    );
  }
  return formatCpuList(wanted);
}

/** Turns the raw strings of the resource flags (`resourcesOf(spec)`) into checked limits; one UsageError sentence on bad input. */
export function parseResources(opts: ResourceOptions, host: HostFacts): Limits {
  const limits: Limits = { ...parseMemory(opts), ...parseCpu(opts, host) };
  if (opts.cpusetCpus !== undefined) limits.cpusetCpus = checkSubset(opts.cpusetCpus, '--cpuset-cpus', host.onlineCpus, 'CPU');
  if (opts.cpusetMems !== undefined) limits.cpusetMems = checkSubset(opts.cpusetMems, '--cpuset-mems', host.onlineMems, 'memory node');
  if (opts.pidsLimit !== undefined) {
    const pids = parseInteger(opts.pidsLimit, '--pids-limit');
    if (pids < -1) throw new UsageError(`Invalid value "${opts.pidsLimit}" for --pids-limit: use a positive number, or 0 or -1 for no limit.`);
    limits.pidsLimit = pids <= 0 ? -1 : pids;
  }
  if (opts.blkioWeight !== undefined) {
    const weight = parseInteger(opts.blkioWeight, '--blkio-weight');
    // 0 is "unset", as in Docker.
    if (weight !== 0 && (weight < 10 || weight > 1000))
      throw new UsageError(`Invalid value "${opts.blkioWeight}" for --blkio-weight: the range is from 10 to 1000.`);
    if (weight !== 0) limits.blkioWeight = weight;
  }
  // --kernel-memory only has to be well formed: it is ignored (see kernelMemoryWarning).
  if (opts.kernelMemory !== undefined) parseBytes(opts.kernelMemory, '--kernel-memory');
  return limits;
}

/**
 * What Docker accepts but does not enforce, with its warnings (`limits` loses what is discarded):
 * --kernel-memory, ignored since Docker 23.0 (the kernel deprecated it in 5.16); --blkio-weight where the
 * I/O scheduler has no weight (`supportsBlkioWeight`).
 */
export function discardUnsupported(limits: Limits, opts: ResourceOptions, manager: { supportsBlkioWeight(): boolean } | undefined): string[] {
  const warnings: string[] = [];
  if (opts.kernelMemory !== undefined) warnings.push('WARNING: Specifying a kernel memory limit is deprecated and ignored; --kernel-memory has no effect.');
  if (limits.blkioWeight !== undefined && !manager?.supportsBlkioWeight()) {
    warnings.push('WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    delete limits.blkioWeight;
  }
  return warnings;
}

function parseMemory(opts: ResourceOptions): Limits {
  const limits: Limits = {};
  if (opts.memory !== undefined) {
    limits.memory = parseBytes(opts.memory, '-m/--memory');
    if (limits.memory < MIN_MEMORY) throw new UsageError(`Invalid value "${opts.memory}" for -m/--memory: the minimum memory limit is 6MB.`);
  }
  if (opts.memorySwap !== undefined) {
    if (limits.memory === undefined) {
      throw new UsageError('--memory-swap needs a memory limit: set -m/--memory as well.');
    }
    if (opts.memorySwap.trim() === '-1') {
      limits.memorySwap = -1;
    } else {
      limits.memorySwap = parseBytes(opts.memorySwap, '--memory-swap');
      if (limits.memorySwap < limits.memory) {
        throw new UsageError(`Invalid value "${opts.memorySwap}" for --memory-swap: it is memory plus swap, so it must be at least the -m/--memory limit.`);
      }
    }
  }
  if (opts.memoryReservation !== undefined) {
    const reservation = parseBytes(opts.memoryReservation, '--memory-reservation');
    // 0 is "unset", as in Docker.
    if (reservation !== 0 && reservation < MIN_MEMORY) {
      throw new UsageError(`Invalid value "${opts.memoryReservation}" for --memory-reservation: the minimum memory reservation is 6MB.`);
    }
    if (reservation !== 0 && limits.memory !== undefined && limits.memory < reservation) {
      throw new UsageError('Minimum memory limit can not be less than memory reservation limit: make --memory-reservation at most -m/--memory.');
    }
    if (reservation !== 0) limits.memoryReservation = reservation;
  }
  return limits;
}

function parseCpu(opts: ResourceOptions, host: HostFacts): Limits {
  const limits: Limits = {};
  if (opts.cpuShares !== undefined) {
    const shares = parseInteger(opts.cpuShares, '--cpu-shares');
    // 0 means "the default weight", as in Docker.
    if (shares !== 0) {
      if (shares < 2 || shares > 262144) throw new UsageError(`Invalid value "${opts.cpuShares}" for --cpu-shares: use a number from 2 to 262144.`);
      limits.cpuShares = shares;
    }
  }
  if (opts.cpus !== undefined) {
    if (opts.cpuPeriod !== undefined || opts.cpuQuota !== undefined) {
      throw new UsageError(`Conflicting options: --cpus and --cpu-${opts.cpuPeriod !== undefined ? 'period' : 'quota'} cannot both be set.`);
    }
    const raw = opts.cpus.trim();
    const cpus = /^\d*\.?\d+$/.test(raw) ? Number(raw) : NaN;
    const max = host.onlineCpus.length;
    if (!Number.isFinite(cpus) || cpus < 0.01 || cpus > max) {
      throw new UsageError(`Invalid value "${opts.cpus}" for --cpus: use a number from 0.01 to ${max}, as this host has ${max} CPU${max === 1 ? '' : 's'}.`);
    }
    limits.cpuPeriod = CPU_PERIOD;
    limits.cpuQuota = Math.round(cpus * CPU_PERIOD);
  }
  return { ...limits, ...parseCfs(opts) };
}

/** --cpu-period and --cpu-quota (microseconds, Docker's bounds; 0 is "unset", a quota of -1 "no limit"). */
function parseCfs(opts: ResourceOptions): Limits {
  const limits: Limits = {};
  if (opts.cpuPeriod !== undefined) {
    const period = parseInteger(opts.cpuPeriod, '--cpu-period');
    if (period !== 0 && (period < 1000 || period > 1_000_000)) {
      throw new UsageError(`Invalid value "${opts.cpuPeriod}" for --cpu-period: it can not be less than 1ms (1000) or larger than 1s (1000000).`);
    }
    if (period !== 0) limits.cpuPeriod = period;
  }
  if (opts.cpuQuota !== undefined) {
    const quota = parseInteger(opts.cpuQuota, '--cpu-quota');
    if (quota < -1 || (quota > 0 && quota < 1000)) {
      throw new UsageError(`Invalid value "${opts.cpuQuota}" for --cpu-quota: it can not be less than 1ms (1000); use -1 or 0 for no limit.`);
    }
    if (quota !== 0) limits.cpuQuota = quota;
  }
  // A period alone changes the period under no quota (the kernel's default, unlimited).
  if (limits.cpuPeriod !== undefined && limits.cpuQuota === undefined) limits.cpuQuota = -1;
  return limits;
}

/** runc/crun's mapping of v1 shares (2..262144) onto v2 weight (1..10000). */
export function sharesToWeight(shares: number): number {
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}
