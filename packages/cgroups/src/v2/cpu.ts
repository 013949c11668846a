import { readKeyed, writeControl } from '../fs-util';
import { sharesToWeight } from '../parse';
import type { V2Controller } from './controller';

export const cpuV2: V2Controller = {
  name: 'cpu',
  controls: ['cpu.weight', 'cpu.max'],
  apply(dir, limits) {
    if (limits.cpuShares !== undefined) writeControl(`${dir}/cpu.weight`, sharesToWeight(limits.cpuShares));
    if (limits.cpuQuota !== undefined) writeControl(`${dir}/cpu.max`, `${limits.cpuQuota < 0 ? 'max' : limits.cpuQuota} ${limits.cpuPeriod ?? 100_000}`);
  },
  stats(dir, into) {
    const s = readKeyed(`${dir}/cpu.stat`);
    if (s.usage_usec !== undefined) into.cpuUsageNs = s.usage_usec * 1000;
    if (s.user_usec !== undefined) into.cpuUserNs = s.user_usec * 1000;
    if (s.system_usec !== undefined) into.cpuKernelNs = s.system_usec * 1000;
    if (s.nr_periods !== undefined)
      into.cpuThrottling = { periods: s.nr_periods, throttledPeriods: s.nr_throttled ?? 0, throttledTimeNs: (s.throttled_usec ?? 0) * 1000 };
  },
};
