import { OPAQUE_XATTR } from './storage-driver';

/**
 * The overlay layer format on disk, part of the storage-driver contract (the names are in
 * storage-driver.ts): a deleted path is a character device 0:0 of the same name, a directory that hides
 * the lower layers' contents carries the xattr `trusted.overlay.opaque=y`. Node has neither mknod(2) nor
 * xattr calls, so drivers run coreutils' mknod and the attr package's setfattr with these arguments (with
 * core's runCommand); this file only spells them, once.
 */

/** The value of OPAQUE_XATTR on an opaque directory. */
export const OPAQUE_VALUE = 'y';

/** Whether an lstat result is a whiteout (a character device with device number 0:0). */
export function isWhiteoutStat(st: { isCharacterDevice(): boolean; rdev: number }): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** `mknod` arguments that make the whiteout `path` (mode 000: nothing can open it). */
export function whiteoutMknodArgs(path: string): string[] {
  return ['-m', '000', path, 'c', '0', '0'];
}

/** `setfattr` arguments that mark `dir` opaque. */
export function opaqueSetfattrArgs(dir: string): string[] {
  return ['-n', OPAQUE_XATTR, '-v', OPAQUE_VALUE, dir];
}
