import { readNumber } from '../fs-util';
import type { V1Controller } from './controller';

/** No limits: made for every container so that `stats` can read CPU time. */
export const cpuacctV1: V1Controller = {
  name: 'cpuacct',
  apply() {},
  stats(dir, into) {
    const ns = readNumber(`${dir}/cpuacct.usage`);
    if (ns !== undefined) into.cpuUsageNs = ns;
  },
};
