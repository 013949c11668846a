import { removeTree, type MountDescription, type StorageDriver, type StorageDriverOptions } from '@mydocker/core';
import { lstatSync, mkdirSync, readdirSync, renameSync, symlinkSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { copyTree, diskUsage } from '../util/fs';
import { isMountPoint, unmountAll } from '../util/mounts';

/**
 * What overlay and aufs share: `<home>/containers/<id>/{diff,work,merged,lower}`, where `lower/N` are
 * symlinks to the layer directories (lowest = 0). Mount options then name `lower/0`, `lower/1`, ...
 * relative to the container directory, so dozens of layers fit in mount(2)'s one-page option string.
 */
export abstract class UnionDriver implements StorageDriver {
  abstract readonly name: string;
  protected readonly containersDir: string;

  constructor(protected readonly options: StorageDriverOptions) {
    this.containersDir = join(options.home, 'containers');
  }

  /** Mount `merged` (cwd = the container directory; lower dirs given relative to it, lowest first). */
  protected abstract mountUnion(dir: string, lowers: string[]): Promise<void>;

  /**
   * The union mount as one mount(2) (type, source, options; lower dirs relative to the container
   * directory), for a runtime that mounts it itself; undefined when the driver cannot describe it.
   */
  protected describeUnion(_lowers: string[], _throwaway: boolean): Omit<MountDescription, 'target' | 'cwd'> | undefined {
    return undefined;
  }

  /** Called before a described mount with `throwaway` is made (overlay clears its `volatile` marker). */
  protected async beforeThrowawayMount(_dir: string): Promise<void> {}

  /** Lower directory paths as the driver's mount will see them (aufs converts them to its own format). */
  protected async prepareLowers(_id: string, lowerDirs: string[]): Promise<string[]> {
    return lowerDirs;
  }

  dir(id: string): string {
    if (!/^[a-zA-Z0-9_.-]+$/.test(id) || id.startsWith('.')) throw new Error(`invalid container id ${JSON.stringify(id)}`);
    return join(this.containersDir, id);
  }

  /**
   * The directories and links are made with synchronous calls: a handful of entries, microseconds each,
   * where asynchronous ones cost a thread-pool round trip apiece on the path of every `run`.
   */
  async create(id: string, lowerDirs: string[]): Promise<void> {
    const dir = this.dir(id);
    for (const sub of ['diff', 'work', 'merged']) mkdirSync(join(dir, sub), { recursive: true });
    const lowers = await this.prepareLowers(id, lowerDirs.length > 0 ? lowerDirs : [await this.emptyLayer()]);
    // `lower` appears whole, by the rename below (an empty one made first cost a mkdir and an rmdir, ~3 ms on ext4).
    const existing = lstatSync(join(dir, 'lower'), { throwIfNoEntry: false }) ? readdirSync(join(dir, 'lower')) : undefined;
    if (existing?.length === lowers.length) return;
    // Written into a temporary directory and renamed, so a crash never leaves half a list.
    const tmp = join(dir, 'lower.tmp');
    await removeTree(tmp);
    mkdirSync(tmp);
    for (const [i, target] of lowers.entries()) symlinkSync(target, join(tmp, String(i)));
    await removeTree(join(dir, 'lower'));
    renameSync(tmp, join(dir, 'lower'));
  }

  private async emptyLayer(): Promise<string> {
    const empty = join(this.options.home, 'empty');
    mkdirSync(empty, { recursive: true });
    return empty;
  }

  async mount(id: string): Promise<string> {
    const dir = this.dir(id);
    const merged = join(dir, 'merged');
    if (isMountPoint(merged)) return merged;
    await this.mountUnion(dir, await this.lowerNames(id));
    return merged;
  }

  /** What `mount` would mount, for the runtime to mount itself (undefined when mounted already). */
  async describeMount(id: string, options: { throwaway?: boolean } = {}): Promise<MountDescription | undefined> {
    const dir = this.dir(id);
    const merged = join(dir, 'merged');
    if (isMountPoint(merged)) return undefined;
    const throwaway = Boolean(options.throwaway);
    if (throwaway) await this.beforeThrowawayMount(dir);
    const union = this.describeUnion(await this.lowerNames(id), throwaway);
    return union && { ...union, target: merged, cwd: dir };
  }

  /** `lower/0`, `lower/1`, ...: the container's layers relative to its directory, lowest first. */
  private async lowerNames(id: string): Promise<string[]> {
    const dir = this.dir(id);
    if (!lstatSync(join(dir, 'lower'), { throwIfNoEntry: false })) throw new Error(`no layer for container ${id}`);
    const count = readdirSync(join(dir, 'lower')).length;
    return Array.from({ length: count }, (_, i) => `lower/${i}`);
  }

  async unmount(id: string): Promise<void> {
    await unmountAll(join(this.dir(id), 'merged'));
  }

  async diff(id: string, targetDir: string): Promise<void> {
    await copyTree(join(this.dir(id), 'diff'), targetDir);
  }

  async usage(id: string): Promise<{ bytes: number; inodes: number }> {
    return diskUsage(join(this.dir(id), 'diff'));
  }

  async remove(id: string): Promise<void> {
    const dir = this.dir(id);
    if (!lstatSync(dir, { throwIfNoEntry: false })) return;
    await this.unmount(id);
    // Synchronous calls, yielding now and then (core's removeTree): the layer of a short container is a
    // few dozen entries, which Node's asynchronous rm took ~13 ms to delete on the path to the exit code.
    await removeTree(dir);
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.containersDir)).filter((n) => !n.startsWith('.'));
    } catch {
      return [];
    }
  }

  async isMounted(id: string): Promise<boolean> {
    return isMountPoint(join(this.dir(id), 'merged'));
  }

  /** The layer directories a container was created over (lowest first). */
  async lowerDirs(id: string): Promise<string[]> {
    const lower = join(this.dir(id), 'lower');
    const names = (await readdir(lower)).sort((a, b) => Number(a) - Number(b));
    return Promise.all(names.map((n) => readlink(join(lower, n))));
  }
}
