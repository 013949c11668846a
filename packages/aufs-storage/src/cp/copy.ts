import { MydockerError, UsageError } from '@mydocker/core';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  futimesSync,
  lchownSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  chmodSync,
  utimesSync,
  chownSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { at, type ContainerFs } from './container-fs';
import { containerPath } from '@mydocker/core';

export interface CopyOptions {
  /** -a: keep the source's uid/gid (otherwise: root in the container, the caller on the host, as docker cp). */
  archive: boolean;
  /** -L: follow a symlink given as the source. */
  followLink: boolean;
  /** Reports entries that cannot be copied (sockets, device nodes). */
  warn: (message: string) => void;
}

const BUFFER = Buffer.alloc(1 << 20);

function pump(from: number, to: number): void {
  for (;;) {
    const n = readSync(from, BUFFER, 0, BUFFER.length, null);
    if (n === 0) return;
    let off = 0;
    while (off < n) off += writeSync(to, BUFFER, off, n - off);
  }
}

/**
 * Copies one regular file's bytes, owner, mode and times. The extra open flags say which side may not be
 * a symlink (O_NOFOLLOW on the container's side, whichever direction the copy goes).
 */
function copyFile(src: string, srcFlags: number, dest: string, destFlags: number, st: Stats, owner: [number, number]): void {
  const from = openSync(src, constants.O_RDONLY | srcFlags);
  try {
    const to = openSync(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | destFlags, 0o600);
    try {
      pump(from, to);
      fchownSync(to, ...owner);
      fchmodSync(to, st.mode & 0o7777);
      futimesSync(to, st.atime, st.mtime);
    } finally {
      closeSync(to);
    }
  } finally {
    closeSync(from);
  }
}

/** `path` ends with "/." : copy the directory's contents rather than the directory. */
function contentsOnly(path: string): boolean {
  return path === '.' || path.endsWith('/.');
}

function hostStat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function ownerFor(st: Stats, options: CopyOptions): [number, number] {
  if (options.archive) return [st.uid, st.gid];
  return [process.getuid?.() ?? 0, process.getgid?.() ?? 0];
}

/** `docker cp CONTAINER:SRC DEST`. */
export function copyFromContainer(cfs: ContainerFs, src: string, dest: string, options: CopyOptions, label: string): void {
  const resolved = cfs.resolve(src, options.followLink || src.endsWith('/') || contentsOnly(src));
  if (!resolved.exists) throw new UsageError(`Could not find ${src} in container ${label}.`);
  const parts = resolved.components;
  const parentFd = cfs.openDir(parts.slice(0, -1));
  try {
    const st = parts.length === 0 ? fstatSync(parentFd) : cfs.lstatChild(parentFd, parts);
    if (!st) throw new UsageError(`Could not find ${src} in container ${label}.`);
    if (src.endsWith('/') && !st.isDirectory()) throw new UsageError(`The path ${src} in container ${label} is not a directory.`);
    const destSt = hostStat(dest);
    let target = dest;
    if (st.isDirectory()) {
      if (destSt && !destSt.isDirectory()) throw new UsageError(`Cannot copy a directory to a file: ${dest} is not a directory.`);
      if (destSt && !contentsOnly(src) && parts.length > 0) target = join(dest, parts[parts.length - 1]);
    } else if (destSt?.isDirectory()) {
      target = join(dest, parts[parts.length - 1]);
    } else if (dest.endsWith('/')) {
      throw new UsageError(`The destination directory ${dest} does not exist.`);
    }
    if (!hostStat(dirname(target))?.isDirectory()) throw new UsageError(`The destination's parent directory ${dirname(target)} does not exist.`);
    if (parts.length === 0) copyDirOut(cfs, parentFd, parts, st, target, options);
    else copyOut(cfs, parentFd, parts, st, target, options);
  } finally {
    closeSync(parentFd);
  }
}

function copyOut(cfs: ContainerFs, dirFd: number, parts: string[], st: Stats, target: string, options: CopyOptions): void {
  const name = parts[parts.length - 1];
  if (st.isDirectory()) {
    const fd = cfs.openChildDir(dirFd, parts);
    try {
      copyDirOut(cfs, fd, parts, st, target, options);
    } finally {
      closeSync(fd);
    }
  } else if (st.isFile()) {
    refuseDirectoryTarget(target);
    const volume = cfs.volumeAt(parts);
    copyFile(volume ? volume.source : at(dirFd, name), constants.O_NOFOLLOW, target, 0, st, ownerFor(st, options));
  } else if (st.isSymbolicLink()) {
    refuseDirectoryTarget(target);
    const link = readlinkSync(at(dirFd, name));
    rmSync(target, { force: true });
    symlinkSync(link, target);
    lchownSync(target, ...ownerFor(st, options));
    lutimesSync(target, st.atime, st.mtime);
  } else {
    options.warn(`Skipped ${containerPath(parts)}: cp copies files, directories and symlinks only.`);
  }
}

/** Docker's archive rule (NoOverwriteDirNonDir): a file never replaces a host directory; exit code 1 as Docker's. */
function refuseDirectoryTarget(target: string): void {
  let st: Stats | undefined;
  try {
    st = lstatSync(target);
  } catch {
    return;
  }
  if (st.isDirectory()) throw new MydockerError(`cannot overwrite directory "${target}" with non-directory "${dirname(target)}"`, 1);
}

/**
 * `cp - CONTAINER:DIR`: DIR must be an existing directory in the container (Docker's rule for a tar
 * stream); the archive, already extracted safely into `scratch`, is copied into it with its owners.
 */
export function checkTarDestination(cfs: ContainerFs, dest: string, label: string): void {
  const resolved = cfs.resolve(dest, true);
  if (!resolved.exists) throw new MydockerError(`Could not find the file ${dest} in container ${label}`, 1);
  const fd = cfs.openDir(resolved.components.slice(0, -1));
  try {
    const st = resolved.components.length === 0 ? fstatSync(fd) : cfs.lstatChild(fd, resolved.components);
    if (!st?.isDirectory()) throw new MydockerError(`destination "${label}:${dest}" must be a directory`, 1);
  } finally {
    closeSync(fd);
  }
}

function copyDirOut(cfs: ContainerFs, fd: number, parts: string[], st: Stats, target: string, options: CopyOptions): void {
  if (!hostStat(target)?.isDirectory()) {
    rmSync(target, { force: true });
    mkdirSync(target, 0o700);
  }
  for (const name of readdirSync(`/proc/self/fd/${fd}`)) {
    const child = [...parts, name];
    const cst = cfs.lstatChild(fd, child);
    if (cst) copyOut(cfs, fd, child, cst, join(target, name), options);
  }
  chownSync(target, ...ownerFor(st, options));
  chmodSync(target, st.mode & 0o7777);
  utimesSync(target, st.atime, st.mtime);
}

/** `docker cp SRC CONTAINER:DEST`. */
export function copyToContainer(cfs: ContainerFs, src: string, dest: string, options: CopyOptions, label: string): void {
  let st: Stats;
  try {
    st = options.followLink || src.endsWith('/') || contentsOnly(src) ? statSync(src) : lstatSync(src);
  } catch {
    throw new UsageError(`The source path ${src} does not exist.`);
  }
  const resolved = cfs.resolve(dest, true);
  let target = resolved.components;
  let intoDir = false;
  if (resolved.exists) {
    const probeFd = cfs.openDir(target.slice(0, -1));
    let destSt: Stats | undefined;
    try {
      destSt = target.length === 0 ? fstatSync(probeFd) : cfs.lstatChild(probeFd, target);
    } finally {
      closeSync(probeFd);
    }
    if (destSt?.isDirectory()) {
      if (st.isDirectory() && contentsOnly(src)) intoDir = true;
      else target = [...target, basename(src)];
    } else if (st.isDirectory()) {
      throw new UsageError(`Cannot copy a directory to a file: ${dest} in container ${label} is not a directory.`);
    } else if (dest.endsWith('/')) {
      throw new UsageError(`The destination ${dest} in container ${label} is not a directory.`);
    }
  } else {
    if (dest.endsWith('/') && !st.isDirectory()) throw new UsageError(`The destination directory ${dest} does not exist in container ${label}.`);
    const parent = cfs.resolve(containerPath(target.slice(0, -1)), true);
    if (!parent.exists) throw new UsageError(`The destination's parent directory ${containerPath(target.slice(0, -1))} does not exist in container ${label}.`);
  }
  const readOnly = cfs.readOnlyReason(target);
  if (readOnly === 'volume') throw new UsageError(`Cannot copy into ${containerPath(target)}: it is on a read-only volume of container ${label}.`);
  if (readOnly === 'root')
    throw new UsageError(
      `Cannot copy into ${containerPath(target)}: container ${label} has a read-only root file system (--read-only); copy into one of its volumes instead.`,
    );
  if (target.length === 0 && !intoDir) throw new UsageError(`Cannot replace the root directory of container ${label}.`);
  if (intoDir) {
    const fd = cfs.openDir(target);
    try {
      for (const name of readdirSync(src)) copyIn(cfs, fd, [...target, name], join(src, name), lstatSync(join(src, name)), options);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const parentFd = cfs.openDir(target.slice(0, -1));
  try {
    copyIn(cfs, parentFd, target, src, st, options);
  } finally {
    closeSync(parentFd);
  }
}

function inOwner(st: Stats, options: CopyOptions): [number, number] {
  return options.archive ? [st.uid, st.gid] : [0, 0];
}

function copyIn(cfs: ContainerFs, dirFd: number, parts: string[], src: string, st: Stats, options: CopyOptions): void {
  const name = parts[parts.length - 1];
  const path = at(dirFd, name);
  const existing = cfs.lstatChild(dirFd, parts);
  const volume = cfs.volumeAt(parts);
  if (st.isDirectory()) {
    if (existing && !existing.isDirectory()) unlinkSync(path);
    if (!existing || !existing.isDirectory()) mkdirSync(path, 0o700);
    const fd = cfs.openChildDir(dirFd, parts);
    try {
      for (const child of readdirSync(src)) copyIn(cfs, fd, [...parts, child], join(src, child), lstatSync(join(src, child)), options);
      fchownSync(fd, ...inOwner(st, options));
      fchmodSync(fd, st.mode & 0o7777);
      futimesSync(fd, st.atime, st.mtime);
    } finally {
      closeSync(fd);
    }
    return;
  }
  if (existing?.isDirectory()) throw new UsageError(`Cannot overwrite the directory ${containerPath(parts)} with a non-directory.`);
  if (st.isFile()) {
    if (existing && !existing.isFile() && !volume) unlinkSync(path);
    try {
      copyFile(src, 0, volume ? volume.source : path, constants.O_NOFOLLOW, st, inOwner(st, options));
    } catch (err) {
      // A file this copy created and could not finish (a full disk) is not left half written.
      if (!existing && !volume) rmSync(path, { force: true });
      throw err;
    }
  } else if (st.isSymbolicLink()) {
    if (existing) unlinkSync(path);
    symlinkSync(readlinkSync(src), path);
    lchownSync(path, ...inOwner(st, options));
    lutimesSync(path, st.atime, st.mtime);
  } else {
    options.warn(`Skipped ${src}: cp copies files, directories and symlinks only.`);
  }
}
