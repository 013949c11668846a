import { flagBoolean, flagList, flagsOf, type FlagDeclaration, type RunSpec } from '@mydocker/core';
import { PLUGIN_NAME } from './ext';

/** What this plugin adds to `run` and `create`: privileges, devices and an init. */
export const RUN_FLAGS: FlagDeclaration[] = [
  { name: 'cap-add', type: 'array', describe: 'Add a capability' },
  { name: 'cap-drop', type: 'array', describe: 'Drop a capability' },
  { name: 'privileged', type: 'boolean', describe: 'Give all capabilities and no seccomp filter' },
  { name: 'security-opt', type: 'array', describe: 'no-new-privileges, seccomp=unconfined' },
  { name: 'device', type: 'array', describe: 'Add a host device (HOST[:CONTAINER[:rwm]])' },
  { name: 'init', type: 'boolean', describe: 'Run an init inside the container that forwards signals and reaps processes' },
];

/** This plugin's flags of a request, raw (lists empty and switches false when not given; `init` undefined). */
export interface RuntimeFlags {
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  securityOpt: string[];
  devices: string[];
  init?: boolean;
}

export function runtimeFlags(spec: Pick<RunSpec, 'flags'>): RuntimeFlags {
  const v = flagsOf(spec, PLUGIN_NAME);
  return {
    capAdd: flagList(v, 'cap-add'),
    capDrop: flagList(v, 'cap-drop'),
    privileged: flagBoolean(v, 'privileged') === true,
    securityOpt: flagList(v, 'security-opt'),
    devices: flagList(v, 'device'),
    init: flagBoolean(v, 'init'),
  };
}
