import { closeSync, constants, lstatSync, openSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@mydocker/core';
import { resolveInRoot, splitPath, type Probe, type Resolved } from '@mydocker/core';

/** A bind mount of the container (`record.mounts`): a volume, or a file such as /etc/hosts. */
export interface CpVolume {
  source: string;
  destination: string;
  readOnly?: boolean;
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * Path `name` relative to the open directory `fd`, through /proc's fd links: the kernel walks from the
 * directory the fd pins, not from a path a container could swap, which gives us openat(2) semantics
 * from Node. With O_NOFOLLOW / lstat / lchown the last component is never followed either.
 */
export function at(fd: number, name: string): string {
  return `/proc/self/fd/${fd}/${name}`;
}

export function openDirAt(fd: number, name: string): number {
  return openSync(at(fd, name), DIR_FLAGS);
}

/**
 * The container's filesystem as its processes see it: the storage root, with volume sources mounted on
 * their destinations. Every open walks one component at a time with O_NOFOLLOW from a pinned fd, so a
 * symlink swapped in by a running container fails the walk (ELOOP/ENOTDIR) instead of leading out.
 */
export class ContainerFs {
  private readonly volumes: CpVolume[];

  /**
   * `rootReadOnly`: the container runs with --read-only, so only its volumes (`volumeDestinations`,
   * the -v mounts, not the engine's own files such as /etc/hosts) may be written, as Docker allows.
   */
  constructor(
    readonly root: string,
    volumes: CpVolume[] = [],
    private readonly rootReadOnly = false,
    private readonly volumeDestinations: string[] = [],
  ) {
    this.volumes = volumes
      .map((v) => ({ ...v, destination: `/${splitPath(v.destination).join('/')}` }))
      .sort((a, b) => b.destination.length - a.destination.length);
  }

  /** The volume whose destination is `components` exactly. */
  volumeAt(components: string[]): CpVolume | undefined {
    const path = `/${components.join('/')}`;
    return this.volumes.find((v) => v.destination === path);
  }

  /** The volume that holds `components` (its destination or below), if any. */
  volumeOf(components: string[]): CpVolume | undefined {
    const path = `/${components.join('/')}`;
    return this.volumes.find((v) => path === v.destination || path.startsWith(`${v.destination}/`));
  }

  /** Host path for a probe only (never used to read or write). */
  private hostPath(components: string[]): string {
    const v = this.volumeOf(components);
    if (!v) return join(this.root, ...components);
    return join(v.source, ...components.slice(splitPath(v.destination).length));
  }

  probe = (components: string[]): Probe => {
    try {
      const st = lstatSync(this.hostPath(components));
      return st.isSymbolicLink() ? { kind: 'symlink', target: readlinkSync(this.hostPath(components)) } : { kind: 'other' };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
      throw err;
    }
  };

  resolve(path: string, followFinal: boolean): Resolved {
    return resolveInRoot(path, this.probe, followFinal);
  }

  /** An fd on the directory `components` (already resolved), opened without following any symlink. */
  openDir(components: string[]): number {
    let fd = openSync(this.root, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      for (let i = 0; i < components.length; i++) {
        const volume = this.volumeAt(components.slice(0, i + 1));
        const next = volume ? openSync(volume.source, constants.O_RDONLY | constants.O_DIRECTORY) : openDirAt(fd, components[i]);
        closeSync(fd);
        fd = next;
      }
      return fd;
    } catch (err) {
      closeSync(fd);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'ENOTDIR') {
        throw new UsageError(`The container path /${components.join('/')} is not a directory, or changed while copying; try again.`);
      }
      throw err;
    }
  }

  /** Opens a child directory of `fd` (switching to a volume's source where one is mounted). */
  openChildDir(fd: number, childComponents: string[]): number {
    const volume = this.volumeAt(childComponents);
    if (volume) return openSync(volume.source, constants.O_RDONLY | constants.O_DIRECTORY);
    return openDirAt(fd, childComponents[childComponents.length - 1]);
  }

  /** lstat of a child of an open directory, seen as the container sees it (a volume's source on its destination). */
  lstatChild(fd: number, childComponents: string[]): Stats | undefined {
    const volume = this.volumeAt(childComponents);
    try {
      // A mount source is a host path the engine chose (a volume directory, or a file like /etc/hosts).
      if (volume) return statSync(volume.source);
      return lstatSync(at(fd, childComponents[childComponents.length - 1]));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  isReadOnly(components: string[]): boolean {
    return this.readOnlyReason(components) !== undefined;
  }

  /** Why a write at `components` is refused: 'volume' (a read-only volume), 'root' (--read-only), or undefined. */
  readOnlyReason(components: string[]): 'volume' | 'root' | undefined {
    const v = this.volumeOf(components);
    if (v?.readOnly) return 'volume';
    const isVolume = v !== undefined && this.volumeDestinations.some((d) => `/${splitPath(d).join('/')}` === v.destination);
    if (this.rootReadOnly && !isVolume) return 'root';
    return undefined;
  }
}
