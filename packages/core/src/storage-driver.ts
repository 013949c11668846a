import type { EngineConfig } from './config';

/**
 * The storage driver contract. A driver turns an image's layers into a container's root filesystem and
 * back into a layer; it owns nothing else (images, volumes and `cp` belong to the storage plugin that
 * uses it). Compare containerd's Snapshotter (prepare, mounts, commit, remove, usage).
 *
 * Layers on disk use the overlay format whatever the driver: a deleted path is a character device 0:0
 * with the deleted name, a directory whose lower contents are hidden carries the xattr
 * `trusted.overlay.opaque=y`. A driver that does not use overlay must apply those itself.
 *
 * Every method is idempotent: it may be called again after a crash half-way through.
 */
export interface StorageDriver {
  readonly name: string;
  /** Create the container's writable layer over `lowerDirs` (layer directories, lowest first). */
  create(id: string, lowerDirs: string[]): Promise<void>;
  /** Make the container's root available and return its path. Mounting twice returns the same path. */
  mount(id: string): Promise<string>;
  /** Undo `mount`; a no-op when not mounted. */
  unmount(id: string): Promise<void>;
  /** Write the container's changes relative to its lower layers into the empty directory `targetDir`, in overlay format. */
  diff(id: string, targetDir: string): Promise<void>;
  /** Space used by the container's own changes. */
  usage(id: string): Promise<{ bytes: number; inodes: number }>;
  /** Unmount if needed and delete everything the driver holds for `id`; a no-op for an unknown id. */
  remove(id: string): Promise<void>;
  /** The container ids this driver holds data for (used to find leftovers). */
  list(): Promise<string[]>;
  /** Whether the container's root is mounted now. */
  isMounted(id: string): Promise<boolean>;
  /**
   * Optional: what `mount(id)` would do, as one mount(2), without doing it (undefined when it cannot be
   * told that way). A storage plugin may then hand it to the runtime (`ContainerContext.rootfsMount`),
   * whose helper makes it with mount(2) instead of a mount(8) process and unmounts it when the container
   * has ended; `unmount`, `isMounted` and `remove` must work on it as on a mount `mount` made.
   * `throwaway`: the container's writable layer is deleted when it ends (`--rm`), so the driver may
   * skip what only protects that layer against a crash (overlay's `volatile`: no sync of the upper fs).
   */
  describeMount?(id: string, options?: { throwaway?: boolean }): Promise<MountDescription | undefined>;
}

/** One mount(2): `mount -t TYPE -o OPTIONS SOURCE TARGET`, run in `cwd` (so options may name relative paths). */
export interface MountDescription {
  type: string;
  source: string;
  target: string;
  options: string;
  cwd?: string;
}

export interface StorageDriverOptions {
  /** A directory that belongs to this driver alone (`<root>/storage/<name>`). */
  home: string;
  config: EngineConfig;
}

export interface StorageDriverRegistration {
  name: string;
  /** The package that registered it, for `mydocker info`. */
  packageName: string;
  /** Whether this host can use the driver (e.g. aufs needs the kernel module). */
  isSupported(): boolean;
  /** Lower number = preferred when the config names no driver. */
  priority: number;
  create(options: StorageDriverOptions): StorageDriver;
}

/**
 * The layer format's names, shared by the image store (which unpacks layer tars into it) and the union
 * drivers (aufs keeps deletions as these names on disk): in a tar, `.wh.NAME` deletes NAME and
 * `.wh..wh..opq` in DIR hides what lower layers hold in DIR; on disk (overlay's format) the first is a
 * character device 0:0 and the second the xattr below.
 */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
export const OPAQUE_XATTR = 'trusted.overlay.opaque';
