import { flagBoolean, flagList, flagsOf, flagString, type FlagDeclaration, type RunSpec } from '@mydocker/core';
import type { HealthOptions } from './health/config';
import { PLUGIN_NAME } from './ext';

/** What this plugin adds to `run` and `create`: privileges, devices, an init and the health check. */
export const RUN_FLAGS: FlagDeclaration[] = [
  { name: 'cap-add', type: 'array', describe: 'Add a capability' },
  { name: 'cap-drop', type: 'array', describe: 'Drop a capability' },
  { name: 'privileged', type: 'boolean', describe: 'Give all capabilities and no seccomp filter' },
  { name: 'security-opt', type: 'array', describe: 'no-new-privileges, seccomp=unconfined' },
  { name: 'device', type: 'array', describe: 'Add a host device (HOST[:CONTAINER[:rwm]])' },
  { name: 'init', type: 'boolean', describe: 'Run an init inside the container that forwards signals and reaps processes' },
  { name: 'health-cmd', type: 'string', describe: 'Command to run to check health (run by /bin/sh -c)' },
  { name: 'health-interval', type: 'string', describe: 'Time between running the check (ms|s|m|h) (default 30s)' },
  { name: 'health-timeout', type: 'string', describe: 'Maximum time to allow one check to run (ms|s|m|h) (default 30s)' },
  { name: 'health-retries', type: 'string', describe: 'Consecutive failures needed to report unhealthy (default 3)' },
  { name: 'health-start-period', type: 'string', describe: 'Start period during which failures do not count (ms|s|m|h) (default 0s)' },
  { name: 'health-start-interval', type: 'string', describe: 'Time between running the check during the start period (ms|s|m|h) (default 5s)' },
  // Spelled --no-healthcheck: yargs reads a "no-" prefix as the negation of the flag it precedes.
  { name: 'healthcheck', type: 'boolean', describe: '--no-healthcheck: disable any container-specified HEALTHCHECK' },
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

/** --health-* and --no-healthcheck as typed; undefined when none was given (the image's HEALTHCHECK rules). */
export function healthFlags(spec: Pick<RunSpec, 'flags'>): HealthOptions | undefined {
  const v = flagsOf(spec, PLUGIN_NAME);
  const health: HealthOptions = {
    cmd: flagString(v, 'health-cmd'),
    interval: flagString(v, 'health-interval'),
    timeout: flagString(v, 'health-timeout'),
    retries: flagString(v, 'health-retries'),
    startPeriod: flagString(v, 'health-start-period'),
    startInterval: flagString(v, 'health-start-interval'),
    none: flagBoolean(v, 'healthcheck') === false ? true : undefined,
  };
  return Object.values(health).some((x) => x !== undefined) ? health : undefined;
}
