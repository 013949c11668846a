export { main } from './main';
export { createEntries, processEntries } from './launch-entries';
export { cgroupRequest } from './resources';
export { seccompEntries } from './seccomp';
export { parseMountOptions } from './mount-options';
export type { OciSpec } from './spec-types';
