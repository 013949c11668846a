import { UsageError } from '@mydocker/core';
import { WANTED_CONTROLLERS } from '../detect';
import { isDir, killAll, makeDirs, readPids, removeDir, removeEmptyParents, type Rmdir, writeControl } from '../fs-util';
import type { Limits } from '../limits';
import { requestedControllers, type CgroupManager, type CgroupStats } from '../manager';
import type { V1Controller } from './controller';
import { cpuV1 } from './cpu';
import { cpuacctV1 } from './cpuacct';
import { cpusetV1 } from './cpuset';
import { memoryV1, oomKilledV1 } from './memory';
import { pidsV1 } from './pids';

const CONTROLLERS: Record<string, V1Controller> = { memory: memoryV1, cpu: cpuV1, cpuacct: cpuacctV1, cpuset: cpusetV1, pids: pidsV1 };

/**
 * cgroup v1: one directory per hierarchy, `<mount>/<parent>/<id>`. The container gets one in memory, cpu,
 * cpuacct, cpuset and pids even without limits, so that `stats` can read them. Co-mounted controllers
 * (cpu,cpuacct) share a directory.
 */
export class V1Manager implements CgroupManager {
  readonly version = 1 as const;
  readonly paths: Record<string, string> = {};

  constructor(
    private readonly mounts: Record<string, string>,
    private readonly parent: string,
    readonly id: string,
    private readonly rmdir?: Rmdir,
  ) {
    for (const name of WANTED_CONTROLLERS) {
      if (mounts[name]) this.paths[name] = `${mounts[name]}/${parent}/${id}`;
    }
  }

  /** Distinct directories with their mount point (co-mounted controllers appear once). */
  private dirs(): Array<{ dir: string; mount: string }> {
    const seen = new Map<string, string>();
    for (const [name, dir] of Object.entries(this.paths)) if (!seen.has(dir)) seen.set(dir, this.mounts[name]);
    return [...seen].map(([dir, mount]) => ({ dir, mount }));
  }

  check(limits: Limits): void {
    for (const [controller, flag] of requestedControllers(limits)) {
      if (!this.mounts[controller]) {
        throw new UsageError(`The ${flag} flag needs the cgroup v1 "${controller}" controller, which this host does not mount.`);
      }
    }
    for (const [name, mount] of Object.entries(this.mounts)) CONTROLLERS[name]?.check?.(mount, limits);
  }

  async create(limits: Limits): Promise<void> {
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
        if (controller.prepare) {
          const levels = dir.slice(mount.length + 1).split('/');
          for (let i = 1; i <= levels.length; i++) controller.prepare(`${mount}/${levels.slice(0, i).join('/')}`);
        }
        controller.apply(dir, limits);
      }
    } catch (err) {
      await this.destroy().catch(() => undefined);
      throw err;
    }
  }

  addProcess(pid: number): void {
    for (const { dir } of this.dirs()) writeControl(`${dir}/cgroup.procs`, pid);
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

  async destroy(): Promise<void> {
    const dirs = this.dirs().filter(({ dir }) => isDir(dir));
    await killAll(dirs.map(({ dir }) => `${dir}/cgroup.procs`));
    for (const { dir, mount } of this.dirs()) {
      await removeDir(dir, this.rmdir);
      removeEmptyParents(`${mount}/${this.parent}`, mount, this.rmdir);
    }
  }
}
