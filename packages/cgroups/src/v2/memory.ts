import { existsSync } from 'node:fs';
import { readKeyed, readNumber, writeControl } from '../fs-util';
import type { V2Controller } from './controller';

export const SWAP_FILE = 'memory.swap.max';

export const memoryV2: V2Controller = {
  name: 'memory',
  controls: ['memory.max', SWAP_FILE, 'memory.low'],
  apply(dir, limits) {
    // --memory-reservation, as runc maps it; -1 (none, from update) is 0.
    if (limits.memoryReservation !== undefined) writeControl(`${dir}/memory.low`, Math.max(0, limits.memoryReservation));
    if (limits.memory === undefined) return;
    writeControl(`${dir}/memory.max`, limits.memory);
    // v2 limits swap alone, where Docker's --memory-swap is memory + swap.
    if (limits.memorySwap === -1) {
      if (existsSync(`${dir}/${SWAP_FILE}`)) writeControl(`${dir}/${SWAP_FILE}`, 'max');
    } else if (limits.memorySwap !== undefined) {
      writeControl(`${dir}/${SWAP_FILE}`, limits.memorySwap - limits.memory);
    } else if (existsSync(`${dir}/${SWAP_FILE}`)) {
      // Docker's default when only -m is given: as much swap as memory.
      writeControl(`${dir}/${SWAP_FILE}`, limits.memory);
    }
  },
  stats(dir, into) {
    const usage = readNumber(`${dir}/memory.current`);
    if (usage !== undefined) into.memoryUsage = Math.max(0, usage - (readKeyed(`${dir}/memory.stat`).inactive_file ?? 0));
    const limit = readNumber(`${dir}/memory.max`);
    if (limit !== undefined) into.memoryLimit = limit;
  },
};

/** memory.events counts OOM kills in this cgroup (and below). */
export function oomKilledV2(dir: string): boolean {
  return (readKeyed(`${dir}/memory.events`).oom_kill ?? 0) > 0;
}
