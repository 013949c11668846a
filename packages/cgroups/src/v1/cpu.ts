import { readKeyed, writeControl } from '../fs-util';
import type { V1Controller } from './controller';

export const cpuV1: V1Controller = {
  name: 'cpu',
  controls: ['cpu.shares', 'cpu.cfs_period_us', 'cpu.cfs_quota_us'],
  apply(dir, limits) {
    if (limits.cpuShares !== undefined) writeControl(`${dir}/cpu.shares`, limits.cpuShares);
    if (limits.cpuQuota !== undefined) {
      // Period before quota: the quota is checked against the period in force.
      writeControl(`${dir}/cpu.cfs_period_us`, limits.cpuPeriod ?? 100_000);
      writeControl(`${dir}/cpu.cfs_quota_us`, limits.cpuQuota);
    }
  },
  stats(dir, into) {
    const s = readKeyed(`${dir}/cpu.stat`);
    if (s.nr_periods !== undefined)
      into.cpuThrottling = { periods: s.nr_periods, throttledPeriods: s.nr_throttled ?? 0, throttledTimeNs: s.throttled_time ?? 0 };
  },
};
