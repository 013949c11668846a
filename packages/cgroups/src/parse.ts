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
  if (opts.cpuShares !== undefined) {
    const shares = parseInteger(opts.cpuShares, '--cpu-shares');
    // 0 means "the default weight", as in Docker.
    if (shares !== 0) {
      if (shares < 2 || shares > 262144) throw new UsageError(`Invalid value "${opts.cpuShares}" for --cpu-shares: use a number from 2 to 262144.`);
      limits.cpuShares = shares;
    }
  }
  if (opts.cpus !== undefined) {
    const raw = opts.cpus.trim();
    const cpus = /^\d*\.?\d+$/.test(raw) ? Number(raw) : NaN;
    const max = host.onlineCpus.length;
    if (!Number.isFinite(cpus) || cpus < 0.01 || cpus > max) {
      throw new UsageError(`Invalid value "${opts.cpus}" for --cpus: use a number from 0.01 to ${max}, as this host has ${max} CPU${max === 1 ? '' : 's'}.`);
    }
    limits.cpuPeriod = CPU_PERIOD;
    limits.cpuQuota = Math.round(cpus * CPU_PERIOD);
  }
  if (opts.cpusetCpus !== undefined) limits.cpusetCpus = checkSubset(opts.cpusetCpus, '--cpuset-cpus', host.onlineCpus, 'CPU');
  if (opts.cpusetMems !== undefined) limits.cpusetMems = checkSubset(opts.cpusetMems, '--cpuset-mems', host.onlineMems, 'memory node');
  if (opts.pidsLimit !== undefined) {
    const pids = parseInteger(opts.pidsLimit, '--pids-limit');
    if (pids < -1) throw new UsageError(`Invalid value "${opts.pidsLimit}" for --pids-limit: use a positive number, or 0 or -1 for no limit.`);
    limits.pidsLimit = pids <= 0 ? -1 : pids;
  }
  return limits;
}

/** runc/crun's mapping of v1 shares (2..262144) onto v2 weight (1..10000). */
export function sharesToWeight(shares: number): number {
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}
