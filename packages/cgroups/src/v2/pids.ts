import { pidsV1 } from '../v1/pids';
import type { V2Controller } from './controller';

/** The pids controller kept its file names (pids.max, pids.current) from v1 to v2: one implementation. */
export const pidsV2: V2Controller = pidsV1;
