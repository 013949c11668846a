import { dirname } from 'node:path';
import { readControl, writeControl } from '../fs-util';
import type { V1Controller } from './controller';

/**
 * A new v1 cpuset starts with empty cpus and mems, and a task cannot join it until both are set
 * (the write to cgroup.procs fails with ENOSPC). Every level we pass through inherits its parent's.
 */
function inherit(dir: string, file: 'cpuset.cpus' | 'cpuset.mems'): void {
  const own = readControl(`${dir}/${file}`);
  if (own === undefined || own !== '') return;
  const parent = readControl(`${dirname(dir)}/${file}`);
  if (parent) writeControl(`${dir}/${file}`, parent);
}

export const cpusetV1: V1Controller = {
  name: 'cpuset',
  controls: ['cpuset.cpus', 'cpuset.mems'],
  prepare(dir) {
    inherit(dir, 'cpuset.cpus');
    inherit(dir, 'cpuset.mems');
  },
  apply(dir, limits) {
    if (limits.cpusetCpus !== undefined) writeControl(`${dir}/cpuset.cpus`, limits.cpusetCpus);
    if (limits.cpusetMems !== undefined) writeControl(`${dir}/cpuset.mems`, limits.cpusetMems);
  },
};
