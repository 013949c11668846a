import CgroupsPlugin from './plugin';

export default CgroupsPlugin;
export { CgroupsPlugin };
export type { CgroupManager, CgroupStats } from './manager';
export type { CgroupsExt, Limits } from './limits';
export { parseResources, parseBytes, parseCpuList, formatCpuList, sharesToWeight } from './parse';
export { detectHierarchy, type Hierarchy } from './detect';
export { V1Manager } from './v1/manager';
export { V2Manager } from './v2/manager';
