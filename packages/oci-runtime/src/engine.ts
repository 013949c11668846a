import { join } from 'node:path';
import { createEngineFromInstalled, loadConfig, type CgroupHandle, type CgroupService, type HelperLauncher } from '@mydocker/core';
import { OciError } from './errors';

let services: { helper: HelperLauncher; cgroups: CgroupService } | undefined;

/**
 * The helper launcher and the cgroup service, from the installed plugins through the bus (no plugin is
 * imported by name): @mydocker/namespaces and @mydocker/cgroups provide them.
 */
export function engineServices(): { helper: HelperLauncher; cgroups: CgroupService } {
  if (!services) {
    const { bus } = createEngineFromInstalled(loadConfig(), { cliDir: join(__dirname, '..') }, { services: ['helper', 'cgroups'] });
    services = { helper: bus.need('helper', 'mydocker-oci'), cgroups: bus.need('cgroups', 'mydocker-oci') };
  }
  return services;
}

/** linux.cgroupsPath "/a/b/c" → parent "a/b", name "c"; none → mydocker-oci/<id>. systemd's "slice:prefix:name" is refused. */
export function cgroupLocation(path: string | undefined, id: string): { parent: string; name: string } {
  if (!path) return { parent: 'mydocker-oci', name: id };
  if (path.includes(':')) throw new OciError(`The cgroupsPath "${path}" is in systemd's form; mydocker-oci manages cgroupfs paths only (no --systemd-cgroup).`);
  const parts = path.split('/').filter((p) => p && p !== '.');
  if (parts.some((p) => p === '..') || parts.length === 0) throw new OciError(`The cgroupsPath "${path}" is not valid.`);
  return { parent: parts.slice(0, -1).join('/'), name: parts[parts.length - 1] };
}

export function cgroupOf(loc: { parent: string; name: string }): CgroupHandle {
  return engineServices().cgroups.open(loc.parent, loc.name);
}
