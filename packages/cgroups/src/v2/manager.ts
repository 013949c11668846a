import { existsSync } from 'node:fs';
import { UsageError } from '@mydocker/core';
import { attachDeviceProgram } from '../devices/tool';
import type { DeviceRule } from '../devices/rules';
import {
  isDir,
  joinCgroup,
  killAll,
  makeDirs,
  readControl,
  readPids,
  removeDir,
  removeEmptyParents,
  restoreControls,
  snapshotControls,
  type Rmdir,
  writeControl,
} from '../fs-util';
import type { Freezer } from '../freezer';
import { freezerV2 } from './freezer';
import { ioV2 } from './io';
import type { Limits } from '../limits';
import { requestedControllers, type CgroupManager, type CgroupStats } from '../manager';
import type { V2Controller } from './controller';
import { cpuV2 } from './cpu';
import { cpusetV2 } from './cpuset';
import { memoryV2, oomKilledV2, SWAP_FILE } from './memory';
import { pidsV2 } from './pids';

const CONTROLLERS: V2Controller[] = [cpusetV2, cpuV2, memoryV2, pidsV2, ioV2];

/**
 * cgroup v2: one directory `<root>/<parent>/<id>`. Controllers must be switched on in the
 * cgroup.subtree_control of every level above it; the parent holds no processes itself.
 */
export class V2Manager implements CgroupManager {
  readonly version = 2 as const;
  readonly paths: Record<string, string>;
  private readonly dir: string;
  private readonly parentDir: string;

  constructor(
    private readonly root: string,
    /** What the root's cgroup.controllers offers. */
    private readonly available: string[],
    private readonly parent: string,
    readonly id: string,
    private readonly rmdir?: Rmdir,
  ) {
    this.parentDir = `${root}/${parent}`;
    this.dir = `${this.parentDir}/${id}`;
    this.paths = { unified: this.dir };
  }

  private usable(): V2Controller[] {
    return CONTROLLERS.filter((c) => this.available.includes(c.name));
  }

  check(limits: Limits): void {
    for (const [controller, flag] of requestedControllers(limits)) {
      if (!this.available.includes(controller)) {
        throw new UsageError(`The ${flag} flag needs the cgroup v2 "${controller}" controller, which ${this.root}/cgroup.controllers does not offer.`);
      }
    }
    // Only a non-root cgroup shows memory.swap.max, so ask the parent once it exists.
    if (
      limits.memorySwap !== undefined &&
      limits.memorySwap !== -1 &&
      existsSync(`${this.parentDir}/memory.max`) &&
      !existsSync(`${this.parentDir}/${SWAP_FILE}`)
    ) {
      throw this.noSwap();
    }
  }

  private noSwap(): UsageError {
    return new UsageError(
      `--memory-swap cannot be enforced: ${this.parentDir}/${SWAP_FILE} does not exist (swap accounting is off), so use --memory-swap -1 or leave it out.`,
    );
  }

  /**
   * Switches our controllers on for the children of `dir`, in one write as the kernel allows; if that is
   * refused, one by one, so that only a controller a limit needs is fatal.
   */
  private delegate(dir: string, required: Set<string>): void {
    const file = `${dir}/cgroup.subtree_control`;
    const on = (readControl(file) ?? '').split(/\s+/);
    const missing = this.usable()
      .filter((c) => !on.includes(c.name))
      .map((c) => c.name);
    if (missing.length === 0) return;
    try {
      writeControl(file, missing.map((c) => `+${c}`).join(' '));
    } catch {
      for (const c of missing) {
        try {
          writeControl(file, `+${c}`);
        } catch (err) {
          if (required.has(c)) throw err;
        }
      }
    }
  }

  async create(limits: Limits, devices?: readonly DeviceRule[]): Promise<void> {
    this.check(limits);
    try {
      makeDirs(this.parentDir);
      const levels = this.parent.split('/');
      const required = new Set(requestedControllers(limits).map(([c]) => c));
      this.delegate(this.root, required);
      for (let i = 1; i <= levels.length; i++) this.delegate(`${this.root}/${levels.slice(0, i).join('/')}`, required);
      if (limits.memorySwap !== undefined && limits.memorySwap !== -1 && !existsSync(`${this.parentDir}/${SWAP_FILE}`)) throw this.noSwap();
      for (let attempt = 0; ; attempt++) {
        try {
          makeDirs(this.dir);
          break;
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
      for (const c of this.usable()) c.apply(this.dir, limits);
      // Removing the directory at destroy releases the program with it.
      if (devices) attachDeviceProgram(this.dir, devices);
    } catch (err) {
      await this.destroy().catch(() => undefined);
      throw err;
    }
  }

  addProcess(pid: number): void {
    joinCgroup(this.dir, pid);
  }

  processes(): number[] {
    return readPids(`${this.dir}/cgroup.procs`).sort((a, b) => a - b);
  }

  oomKilled(): boolean {
    return oomKilledV2(this.dir);
  }

  stats(): CgroupStats {
    const out: CgroupStats = {};
    for (const c of this.usable()) c.stats?.(this.dir, out);
    return out;
  }

  freezer(): Freezer {
    return freezerV2(this.dir);
  }

  /** io.weight and io.bfq.weight only show below the root: the io controller is what can be asked. */
  supportsBlkioWeight(): boolean {
    return this.available.includes('io');
  }

  update(changes: Limits): void {
    this.check(changes);
    const usable = this.usable();
    const saved = snapshotControls(usable.flatMap((c) => (c.controls ?? []).map((f) => `${this.dir}/${f}`)));
    try {
      for (const c of usable) c.apply(this.dir, changes);
    } catch (err) {
      restoreControls(saved);
      throw err;
    }
  }

  async destroy(): Promise<void> {
    if (isDir(this.dir)) {
      // cgroup.kill (Linux 5.14) kills the whole cgroup at once, forks in flight included.
      if (existsSync(`${this.dir}/cgroup.kill`)) {
        try {
          writeControl(`${this.dir}/cgroup.kill`, 1);
        } catch {
          // Fall back to killing one by one.
        }
      }
      await killAll([`${this.dir}/cgroup.procs`]);
      await removeDir(this.dir, this.rmdir);
    }
    removeEmptyParents(this.parentDir, this.root, this.rmdir);
  }
}
