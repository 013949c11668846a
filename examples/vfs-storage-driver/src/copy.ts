import { chmodSync, copyFileSync, constants, lchownSync, linkSync, lutimesSync, readlinkSync, symlinkSync, type Stats } from 'node:fs';
import { runCommandSync } from '@mydocker/core';

/** Linux dev_t split, as glibc's major()/minor() do. */
export function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}
export function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}

/** Hard links seen in one copy pass: source inode → first copy. */
export type LinkMap = Map<string, string>;

/**
 * Copies one non-directory entry with its metadata. Node has no mknod(2), so device nodes and fifos
 * come from coreutils' mknod. Sockets are skipped: a copied socket is useless (Docker's archive skips them too).
 */
export function copyNode(src: string, dst: string, st: Stats, links: LinkMap): void {
  if (st.isFile()) {
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? links.get(key) : undefined;
    if (first) {
      linkSync(first, dst);
      return;
    }
    copyFileSync(src, dst, constants.COPYFILE_FICLONE);
    if (st.nlink > 1) links.set(key, dst);
  } else if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), dst);
    lchownSync(dst, st.uid, st.gid);
    lutimesSync(dst, st.atime, st.mtime);
    return;
  } else if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
    const args = st.isFIFO() ? [dst, 'p'] : [dst, st.isCharacterDevice() ? 'c' : 'b', String(major(st.rdev)), String(minor(st.rdev))];
    runCommandSync('mknod', args);
  } else {
    return;
  }
  setMeta(dst, st);
}

/** Owner, then mode (chown clears setuid/setgid bits), then times. */
export function setMeta(dst: string, st: Stats): void {
  lchownSync(dst, st.uid, st.gid);
  chmodSync(dst, st.mode & 0o7777);
  lutimesSync(dst, st.atime, st.mtime);
}

export function sameKind(a: Stats, b: Stats): boolean {
  return (a.mode & constants.S_IFMT) === (b.mode & constants.S_IFMT);
}

export function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}
