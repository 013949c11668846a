import type { CgroupHandle, CgroupService } from '@mydocker/core';
import { hierarchy, managerFor } from './factory';

/**
 * The `cgroups` service: the same managers `mydocker run` uses, for a cgroup named by path rather than by
 * a container record (mydocker-oci's `linux.cgroupsPath`).
 */
export const cgroupService: CgroupService = {
  open(parent: string, name: string): CgroupHandle {
    const manager = managerFor(hierarchy(), parent, name);
    if (!manager) throw new Error('This host mounts no cgroup hierarchy.');
    return {
      version: manager.version,
      paths: manager.paths,
      check: (limits) => manager.check(limits),
      create: (limits, devices) => manager.create(limits, devices),
      addProcess: (pid) => manager.addProcess(pid),
      processes: () => manager.processes(),
      update: (limits) => manager.update(limits),
      freezerState: () => manager.freezer()?.state(),
      freeze: async () => {
        const f = manager.freezer();
        if (!f) throw new Error('This host mounts no freezer for the container.');
        await f.freeze();
      },
      thaw: async () => {
        await manager.freezer()?.thaw();
      },
      destroy: () => manager.destroy(),
    };
  },
  // The same reading `stats` prints, for the Engine API's numbers.
  usage(record) {
    const { at, stats, net } = (require('./stats') as typeof import('./stats')).sample(record);
    return { at, ...stats, net };
  },
};
