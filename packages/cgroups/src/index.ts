import CgroupsPlugin from './plugin';

export default CgroupsPlugin;
export { CgroupsPlugin };
export type { CgroupManager, CgroupStats } from './manager';
export type { CgroupsExt, Limits } from './limits';
export { parseResources, parseBytes, parseCpuList, formatCpuList, sharesToWeight } from './parse';
export { detectHierarchy, type Hierarchy } from './detect';
export { V1Manager } from './v1/manager';
export { V2Manager } from './v2/manager';
export { deviceRules, DEFAULT_DEVICE_RULES, formatRule, describeRule, parseRule, type DeviceRule } from './devices/rules';
export { assemble as assembleDeviceProgram, encode as encodeDeviceProgram } from './devices/program';
export { attachDeviceProgram, countDevicePrograms } from './devices/tool';
