import { readNumber, writeControl } from '../fs-util';
import type { V2Controller } from './controller';

export const pidsV2: V2Controller = {
  name: 'pids',
  apply(dir, limits) {
    if (limits.pidsLimit !== undefined) writeControl(`${dir}/pids.max`, limits.pidsLimit < 0 ? 'max' : limits.pidsLimit);
  },
  stats(dir, into) {
    const n = readNumber(`${dir}/pids.current`);
    if (n !== undefined) into.pids = n;
  },
};
