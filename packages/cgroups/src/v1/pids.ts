import { readNumber, writeControl } from '../fs-util';
import type { V1Controller } from './controller';

export const pidsV1: V1Controller = {
  name: 'pids',
  controls: ['pids.max'],
  apply(dir, limits) {
    if (limits.pidsLimit !== undefined) writeControl(`${dir}/pids.max`, limits.pidsLimit < 0 ? 'max' : limits.pidsLimit);
  },
  stats(dir, into) {
    const n = readNumber(`${dir}/pids.current`);
    if (n !== undefined) into.pids = n;
  },
};
