export { cpCommand } from './command';
export { resolveInRoot, type Probe, type Resolved } from './resolve';
export type { CpVolume } from './container-fs';
