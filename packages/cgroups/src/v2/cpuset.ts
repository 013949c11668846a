import { writeControl } from '../fs-util';
import type { V2Controller } from './controller';

/** Unlike v1, an empty v2 cpuset uses its parent's effective CPUs and nodes: nothing to copy down. */
export const cpusetV2: V2Controller = {
  name: 'cpuset',
  controls: ['cpuset.cpus', 'cpuset.mems'],
  apply(dir, limits) {
    if (limits.cpusetCpus !== undefined) writeControl(`${dir}/cpuset.cpus`, limits.cpusetCpus);
    if (limits.cpusetMems !== undefined) writeControl(`${dir}/cpuset.mems`, limits.cpusetMems);
  },
};
