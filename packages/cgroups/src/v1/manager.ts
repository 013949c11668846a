import { UsageError } from '@mydocker/core';
import { WANTED_CONTROLLERS } from '../detect';
import { isDir, joinCgroup, killAll, makeDirs, readPids, removeDir, removeEmptyParents, restoreControls, snapshotControls, type Rmdir } from '../fs-util';
import type { Freezer } from '../freezer';
import { cgroupsOf, isMember } from '../membership';
import { blkioV1, blkioWeightFileV1 } from './blkio';
import { freezerV1 } from './freezer';
import type { DeviceRule } from '../devices/rules';
import { writeDeviceRulesV1 } from '../devices/v1';
import type { Limits } from '../limits';
import { requestedControllers, type CgroupManager, type CgroupStats } from '../manager';
import type { V1Controller } from './controller';
import { cpuV1 } from './cpu';
import { cpuacctV1 } from './cpuacct';
import { cpusetV1 } from './cpuset';
import { memoryV1, oomKilledV1 } from './memory';
import { pidsV1 } from './pids';

const CONTROLLERS: Record<string, V1Controller> = { memory: memoryV1, cpu: cpuV1, cpuacct: cpuacctV1, cpuset: cpusetV1, pids: pidsV1, blkio: blkioV1 };

/**
 * cgroup v1: one directory per hierarchy, `<mount>/<parent>/<id>`. The container gets one in memory, cpu,
 * cpuacct, cpuset, pids and devices even without limits, so that `stats` can read them and the device
 * rules hold. Co-mounted controllers (cpu,cpuacct) share a directory.
 *
 * On a hybrid host without the v1 devices controller, the container also gets a directory in the cgroup2
 * mount (`paths.unified`), to carry the device program instead: the kernel asks both.
 */
export class V1Manager implements CgroupManager {
  readonly version = 1 as const;
  readonly paths: Record<string, string> = {};
  /** Hierarchy name (a controller, or "unified") → its mount point. */
  private readonly mounts: Record<string, string>;

  constructor(
    mounts: Record<string, string>,
    private readonly parent: string,
    readonly id: string,
    private readonly rmdir?: Rmdir,
    unified: string | undefined = mounts.unified,
  ) {
    const { unified: _, ...controllers } = mounts;
    this.mounts = controllers;
    if (!controllers.devices && unified) this.mounts.unified = unified;
    for (const name of [...WANTED_CONTROLLERS, 'unified']) {
      if (this.mounts[name]) this.paths[name] = `${this.mounts[name]}/${parent}/${id}`;
    }
  }

  /** Distinct directories with their mount point and a hierarchy name (co-mounted controllers appear once). */
  private dirs(): Array<{ dir: string; mount: string; name: string }> {
    const seen = new Map<string, string>();
    for (const [name, dir] of Object.entries(this.paths)) if (!seen.has(dir)) seen.set(dir, name);
    return [...seen].map(([dir, name]) => ({ dir, mount: this.mounts[name], name }));
  }

  check(limits: Limits): void {
    for (const [controller, flag] of requestedControllers(limits)) {
      if (!this.mounts[controller]) {
        throw new UsageError(`The ${flag} flag needs the cgroup v1 "${controller}" controller, which this host does not mount.`);
      }
    }
    for (const [name, mount] of Object.entries(this.mounts)) CONTROLLERS[name]?.check?.(mount, limits);
  }

  async create(limits: Limits, devices?: readonly DeviceRule[]): Promise<void> {
    this.check(limits);
    try {
      for (const [name, dir] of Object.entries(this.paths)) {
        const mount = this.mounts[name];
        const controller = CONTROLLERS[name];
        // Another container's clean-up may remove the shared parent between our mkdirs: try again.
        for (let attempt = 0; ; attempt++) {
          try {
            makeDirs(dir);
            break;
          } catch (err) {
            if (attempt >= 3) throw err;
          }
        }
        if (controller?.prepare) {
          const levels = dir.slice(mount.length + 1).split('/');
          for (let i = 1; i <= levels.length; i++) controller.prepare(`${mount}/${levels.slice(0, i).join('/')}`);
        }
        controller?.apply(dir, limits);
      }
      if (devices && this.paths.devices) writeDeviceRulesV1(this.paths.devices, devices);
      else if (devices && this.paths.unified) (require('../devices/tool') as typeof import('../devices/tool')).attachDeviceProgram(this.paths.unified, devices);
    } catch (err) {
      await this.destroy().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Only where the process is not in yet: the container's PID 1 joined its v1 directories itself (the
   * runtime's self-join, no RCU wait), and a write here would pay the grace period for nothing.
   */
  addProcess(pid: number): void {
    const current = cgroupsOf(pid);
    for (const { dir, mount, name } of this.dirs()) if (!isMember(current, name, dir, mount)) joinCgroup(dir, pid);
  }

  processes(): number[] {
    return [...new Set(this.dirs().flatMap(({ dir }) => readPids(`${dir}/cgroup.procs`)))].sort((a, b) => a - b);
  }

  oomKilled(): boolean {
    return this.paths.memory !== undefined && oomKilledV1(this.paths.memory);
  }

  stats(): CgroupStats {
    const out: CgroupStats = {};
    for (const [name, dir] of Object.entries(this.paths)) CONTROLLERS[name]?.stats?.(dir, out);
    return out;
  }

  freezer(): Freezer | undefined {
    if (this.paths.freezer) return freezerV1(this.paths.freezer);
    // A hybrid host without the v1 freezer: the cgroup2 directory (made for the device program) has one.
    // Required here: only such a host needs the v2 freezer (and the device program above, the eBPF tool).
    if (this.paths.unified) return (require('../v2/freezer') as typeof import('../v2/freezer')).freezerV2(this.paths.unified);
    return undefined;
  }

  supportsBlkioWeight(): boolean {
    return this.mounts.blkio !== undefined && blkioWeightFileV1(this.mounts.blkio) !== undefined;
  }

  update(changes: Limits): void {
    this.check(changes);
    const controllers = Object.entries(this.paths).filter(([name]) => CONTROLLERS[name]);
    const saved = snapshotControls(controllers.flatMap(([name, dir]) => (CONTROLLERS[name].controls ?? []).map((f) => `${dir}/${f}`)));
    try {
      for (const [name, dir] of controllers) {
        const c = CONTROLLERS[name];
        if (c.update) c.update(dir, changes);
        else c.apply(dir, changes);
      }
    } catch (err) {
      restoreControls(saved);
      throw err;
    }
  }

  async destroy(): Promise<void> {
    // Frozen (paused) tasks do not die of SIGKILL under the v1 freezer until thawed.
    const freezer = this.freezer();
    if (freezer?.state() === 'frozen') await freezer.thaw().catch(() => undefined);
    const dirs = this.dirs().filter(({ dir }) => isDir(dir));
    await killAll(dirs.map(({ dir }) => `${dir}/cgroup.procs`));
    for (const { dir, mount } of this.dirs()) {
      await removeDir(dir, this.rmdir);
      removeEmptyParents(`${mount}/${this.parent}`, mount, this.rmdir);
    }
  }
}
