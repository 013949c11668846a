import { existsSync } from 'node:fs';
import { UsageError } from '@mydocker/core';
import { ControlWriteError, readKeyed, readNumber, writeControl } from '../fs-util';
import type { V1Controller } from './controller';

const MEMSW = 'memory.memsw.limit_in_bytes';
/** --memory-reservation; -1 is none. */
const SOFT = 'memory.soft_limit_in_bytes';
/** v1 reports "unlimited" as a huge page-aligned number. */
const UNLIMITED_ABOVE = 2 ** 60;

export const memoryV1: V1Controller = {
  name: 'memory',
  controls: ['memory.limit_in_bytes', MEMSW, SOFT],

  check(mount, limits) {
    if (limits.memorySwap !== undefined && limits.memorySwap !== -1 && !existsSync(`${mount}/${MEMSW}`)) {
      throw new UsageError(
        `--memory-swap cannot be enforced: ${mount}/${MEMSW} does not exist (swap accounting is off), so use --memory-swap -1 or leave it out.`,
      );
    }
  },

  apply(dir, limits) {
    if (limits.memoryReservation !== undefined) writeControl(`${dir}/${SOFT}`, limits.memoryReservation);
    if (limits.memory === undefined) return;
    // memory.limit first: the kernel refuses a memsw limit below the memory limit.
    writeControl(`${dir}/memory.limit_in_bytes`, limits.memory);
    if (!existsSync(`${dir}/${MEMSW}`)) return;
    // Docker's default when only -m is given: as much swap as memory.
    const memsw = limits.memorySwap ?? limits.memory * 2;
    writeControl(`${dir}/${MEMSW}`, memsw);
  },

  /**
   * The kernel keeps memory <= memory+swap at every write, so the order depends on the values in force
   * (runc's order): a larger memory+swap goes first, a smaller one last.
   */
  update(dir, changes) {
    if (changes.memoryReservation !== undefined) writeControl(`${dir}/${SOFT}`, changes.memoryReservation);
    if (changes.memory === undefined) return;
    const hasMemsw = existsSync(`${dir}/${MEMSW}`);
    const memsw = changes.memorySwap ?? changes.memory * 2;
    const current = readNumber(`${dir}/${MEMSW}`);
    const swapFirst = hasMemsw && (memsw === -1 || current === undefined || memsw > current);
    if (swapFirst) writeControl(`${dir}/${MEMSW}`, memsw);
    writeMemoryLimit(dir, changes.memory);
    if (hasMemsw && !swapFirst) writeControl(`${dir}/${MEMSW}`, memsw);
  },

  stats(dir, into) {
    const usage = readNumber(`${dir}/memory.usage_in_bytes`);
    if (usage !== undefined) {
      const inactive = readKeyed(`${dir}/memory.stat`).total_inactive_file ?? 0;
      into.memoryUsage = Math.max(0, usage - inactive);
    }
    const limit = readNumber(`${dir}/memory.limit_in_bytes`);
    if (limit !== undefined && limit < UNLIMITED_ABOVE) into.memoryLimit = limit;
  },
};

/** memory.oom_control counts kills since kernel 4.13 (`oom_kill N`); failcnt only counts hitting the limit. */
export function oomKilledV1(dir: string): boolean {
  return (readKeyed(`${dir}/memory.oom_control`).oom_kill ?? 0) > 0;
}

/** A limit below what the cgroup uses and cannot reclaim is EBUSY: said as runc (and so Docker) say it. */
function writeMemoryLimit(dir: string, limit: number): void {
  try {
    writeControl(`${dir}/memory.limit_in_bytes`, limit);
  } catch (err) {
    if (!(err instanceof ControlWriteError) || err.code !== 'EBUSY') throw err;
    const usage = readNumber(`${dir}/memory.usage_in_bytes`) ?? 0;
    const peak = readNumber(`${dir}/memory.max_usage_in_bytes`) ?? 0;
    throw new UsageError(`unable to set memory limit to ${limit} (current usage: ${usage}, peak usage: ${peak})`);
  }
}
