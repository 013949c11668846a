export { cpCommand } from './command';
export { resolveInRoot, type Probe, type Resolved } from '@mydocker/core';
export type { CpVolume } from './container-fs';
