import { readControl, readKeyed, readNumber } from '../fs-util';
import type { V1Controller } from './controller';

/** cpuacct.stat counts USER_HZ ticks, 100 a second on every Linux ABI Node runs on (Docker reads it so too). */
const NS_PER_TICK = 10_000_000;

/** No limits: made for every container so that `stats` can read CPU time. */
export const cpuacctV1: V1Controller = {
  name: 'cpuacct',
  apply() {},
  stats(dir, into) {
    const perCpu = (readControl(`${dir}/cpuacct.usage_percpu`) ?? '').split(/\s+/).filter(Boolean).map(Number);
    if (perCpu.length > 0 && perCpu.every(Number.isFinite)) {
      into.cpuPerCpuNs = perCpu;
      // cpuacct.usage is the kernel's sum of these same counters; summed from one reading it matches them exactly.
      into.cpuUsageNs = perCpu.reduce((a, b) => a + b, 0);
    } else {
      const ns = readNumber(`${dir}/cpuacct.usage`);
      if (ns !== undefined) into.cpuUsageNs = ns;
    }
    const ticks = readKeyed(`${dir}/cpuacct.stat`);
    if (ticks.user !== undefined) into.cpuUserNs = ticks.user * NS_PER_TICK;
    if (ticks.system !== undefined) into.cpuKernelNs = ticks.system * NS_PER_TICK;
  },
};
