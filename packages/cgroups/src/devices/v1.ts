import { writeControl } from '../fs-util';
import { formatRule, type DeviceRule } from './rules';

/**
 * cgroup v1's devices controller: a new cgroup starts with its parent's list, so the rules are written in
 * order (the leading "deny a" empties it, the allows then add), before the container's process joins.
 */
export function writeDeviceRulesV1(dir: string, rules: readonly DeviceRule[]): void {
  for (const r of rules) writeControl(`${dir}/${r.allow ? 'devices.allow' : 'devices.deny'}`, formatRule(r));
}
