import type { ContainerInspectView, ContainerRecord } from '@mydocker/core';
import { runtimeFlags } from './flags';

interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

/** `--device HOST[:CONTAINER[:PERMS]]` as Docker reports it (the raw flag, kept in the spec). */
export function deviceMapping(raw: string): DeviceMapping {
  const [host, second, third] = raw.split(':');
  const perms = (s: string | undefined) => s !== undefined && /^[rwm]+$/.test(s);
  if (second !== undefined && third === undefined && perms(second)) return { PathOnHost: host, PathInContainer: host, CgroupPermissions: second };
  return { PathOnHost: host, PathInContainer: second || host, CgroupPermissions: third || 'rwm' };
}

/** Docker's HostConfig parts that this plugin's flags set: capabilities, privileges, devices. */
export function fillInspect(record: ContainerRecord, view: ContainerInspectView): void {
  const flags = runtimeFlags(record.spec ?? {});
  Object.assign(view.HostConfig, {
    CapAdd: flags.capAdd.length ? [...flags.capAdd] : null,
    CapDrop: flags.capDrop.length ? [...flags.capDrop] : null,
    Privileged: flags.privileged,
    SecurityOpt: flags.securityOpt.length ? [...flags.securityOpt] : undefined,
    Devices: flags.privileged ? [] : flags.devices.map(deviceMapping),
  });
}
