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
    const usec = readKeyed(`${dir}/cpu.stat`).usage_usec;
    if (usec !== undefined) into.cpuUsageNs = usec * 1000;
  },
};
