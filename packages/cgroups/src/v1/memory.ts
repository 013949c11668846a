import { existsSync } from 'node:fs';
import { UsageError } from '@mydocker/core';
import { readKeyed, readNumber, writeControl } from '../fs-util';
import type { V1Controller } from './controller';

const MEMSW = 'memory.memsw.limit_in_bytes';
/** v1 reports "unlimited" as a huge page-aligned number. */
const UNLIMITED_ABOVE = 2 ** 60;

export const memoryV1: V1Controller = {
  name: 'memory',

  check(mount, limits) {
    if (limits.memorySwap !== undefined && limits.memorySwap !== -1 && !existsSync(`${mount}/${MEMSW}`)) {
      throw new UsageError(
        `--memory-swap cannot be enforced: ${mount}/${MEMSW} does not exist (swap accounting is off), so use --memory-swap -1 or leave it out.`,
      );
    }
  },

  apply(dir, limits) {
    if (limits.memory === undefined) return;
    // memory.limit first: the kernel refuses a memsw limit below the memory limit.
    writeControl(`${dir}/memory.limit_in_bytes`, limits.memory);
    if (!existsSync(`${dir}/${MEMSW}`)) return;
    // Docker's default when only -m is given: as much swap as memory.
    const memsw = limits.memorySwap ?? limits.memory * 2;
    writeControl(`${dir}/${MEMSW}`, memsw);
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

