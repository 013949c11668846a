import { UsageError } from '@mydocker/core';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  rmSync,
  symlinkSync,
  type Stats,
} from 'node:fs';
import { posix } from 'node:path';
import { OPAQUE_XATTR } from '@mydocker/core';

const DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** Raised for an entry that would reach outside the layer; the whole archive is refused. */
export class LayerEscapeError extends UsageError {}

/**
 * A tar entry's path as components inside the root: a leading "/" or "./" is dropped (confined, as
 * Docker and GNU tar do), and a path that climbs out with ".." is refused.
 */
export function entryComponents(path: string): string[] {
  const clean = posix.normalize(`./${path.replace(/^\/+/, '')}`);
  const parts = clean.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new LayerEscapeError(`the entry "${printable(path)}" points outside the layer with ".."`);
  return parts;
}

export function printable(s: string): string {
  const escaped = JSON.stringify(s).slice(1, -1);
  return escaped.length > 120 ? `${escaped.slice(0, 117)}...` : escaped;
}

/**
 * A directory being filled from an untrusted archive. Every path is walked one component at a time
 * from a directory fd opened at the start, with O_NOFOLLOW|O_DIRECTORY: a symlink the archive made
 * (`lnk -> /etc`) is never followed, so `lnk/x`, `lnk/.wh.x` or `lnk/.wh..wh..opq` cannot reach the
 * host; they are refused. The final component is then created or changed through
 * /proc/self/fd/DIRFD/NAME (openat semantics from Node, which has no *at calls), with O_NOFOLLOW,
 * lchown, lutimes, so no final symlink is followed either. Helpers that must run as a separate
 * program (mknod, setfattr) get /proc/PID/fd/DIRFD/NAME: the directory stays the pinned one.
 */
export class LayerRoot {
  private readonly rootFd: number;
  /** Open directory fds by path, reused while the tree is filled in order; dropped when anything is removed. */
  private readonly dirs = new Map<string, number>();

  constructor(readonly root: string) {
    this.rootFd = openSync(root, constants.O_RDONLY | constants.O_DIRECTORY);
  }

  close(): void {
    this.forget();
    closeSync(this.rootFd);
  }

  private forget(): void {
    for (const fd of this.dirs.values()) closeSync(fd);
    this.dirs.clear();
  }

  private at(fd: number, name: string): string {
    return `/proc/self/fd/${fd}/${name}`;
  }

  private atForChild(fd: number, name?: string): string {
    return name === undefined ? `/proc/${process.pid}/fd/${fd}` : `/proc/${process.pid}/fd/${fd}/${name}`;
  }

  /**
   * An fd for the directory `parts` (borrowed: do not close), made with mode 0755 where missing when
   * `create`. A component that is a symlink or not a directory refuses the archive.
   */
  dir(parts: string[], create: boolean, what: string): number {
    let fd = this.rootFd;
    for (let i = 0; i < parts.length; i++) {
      const key = parts.slice(0, i + 1).join('/');
      const cached = this.dirs.get(key);
      if (cached !== undefined) {
        fd = cached;
        continue;
      }
      let next: number;
      try {
        next = openSync(this.at(fd, parts[i]), DIR);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && create) {
          mkdirSync(this.at(fd, parts[i]), 0o755);
          next = openSync(this.at(fd, parts[i]), DIR);
        } else if (code === 'ELOOP' || code === 'ENOTDIR') {
          throw new LayerEscapeError(`${what} "${printable(parts.join('/'))}" goes through "${printable(key)}", which is a symbolic link or not a directory`);
        } else throw err;
      }
      this.dirs.set(key, next);
      fd = next;
    }
    return fd;
  }

  /** lstat of a name in a directory fd; undefined when absent. */
  private lstatAt(fd: number, name: string): Stats | undefined {
    try {
      return lstatSync(this.at(fd, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Makes room for a new entry: whatever is at the name goes (a directory with its contents), never followed. */
  private clear(fd: number, name: string, keepDir = false): Stats | undefined {
    const st = this.lstatAt(fd, name);
    if (!st || (keepDir && st.isDirectory())) return st;
    if (st.isDirectory()) this.forget();
    rmSync(this.at(fd, name), { recursive: true, force: true });
    return undefined;
  }

  private split(parts: string[]): { parent: string[]; name: string } {
    return { parent: parts.slice(0, -1), name: parts[parts.length - 1] };
  }

  /** The parent's fd and the final name, with the name cleared for a new entry. */
  private place(parts: string[], what: string): { pfd: number; name: string } {
    const { parent, name } = this.split(parts);
    if (!name) throw new LayerEscapeError(`${what} entry names the layer root`);
    this.clear(this.dir(parent, true, what), name);
    // clear() drops the cached fds when it removed a directory: walk again.
    return { pfd: this.dir(parent, true, what), name };
  }

  mkdir(parts: string[], mode: number, uid: number, gid: number): void {
    if (parts.length === 0) {
      // The archive's `./`: the layer root takes its owner and mode, as Docker applies it.
      fchownSync(this.rootFd, uid, gid);
      fchmodSync(this.rootFd, mode & 0o7777);
      return;
    }
    const { parent, name } = this.split(parts);
    const pfd = this.dir(parent, true, 'the directory');
    if (!this.clear(pfd, name, true)) mkdirSync(this.at(pfd, name), 0o700);
    const fd = this.dir(parts, false, 'the directory');
    fchownSync(fd, uid, gid);
    fchmodSync(fd, mode & 0o7777);
  }

  /** Opens a new regular file for writing (O_EXCL|O_NOFOLLOW after clearing the name); the caller closes it via `finishFile`. */
  createFile(parts: string[]): number {
    const { pfd, name } = this.place(parts, 'the file');
    return openSync(this.at(pfd, name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  }

  finishFile(fd: number, mode: number, uid: number, gid: number, mtime?: Date): void {
    try {
      // chown before chmod: chown clears the set-id bits.
      fchownSync(fd, uid, gid);
      fchmodSync(fd, mode & 0o7777);
      if (mtime) futimesSync(fd, mtime, mtime);
    } finally {
      closeSync(fd);
    }
  }

  /** A symlink is data: its target is stored as given (absolute ones too) and never followed here. */
  symlink(parts: string[], target: string, uid: number, gid: number, mtime?: Date): void {
    const { pfd, name } = this.place(parts, 'the symbolic link');
    symlinkSync(target, this.at(pfd, name));
    lchownSync(this.at(pfd, name), uid, gid);
    if (mtime) lutimesSync(this.at(pfd, name), mtime, mtime);
  }

  /**
   * A hard link to an entry the layer already holds: the target is walked like any path (no symlink
   * on the way, no ".."), so it can only ever name an inode inside the layer.
   */
  hardlink(parts: string[], targetParts: string[]): void {
    const target = this.split(targetParts);
    if (!target.name) throw new LayerEscapeError('a hard link entry names the layer root');
    const st = this.lstatAt(this.dir(target.parent, false, 'the hard link target'), target.name);
    if (!st)
      throw new LayerEscapeError(`the hard link "${printable(parts.join('/'))}" names "${printable(targetParts.join('/'))}", which the layer does not hold`);
    if (st.isDirectory()) throw new LayerEscapeError(`the hard link "${printable(parts.join('/'))}" names a directory`);
    if (parts.join('/') === targetParts.join('/')) return;
    const { pfd, name } = this.place(parts, 'the hard link');
    // linkat without AT_SYMLINK_FOLLOW: a symlink target is linked itself, never followed.
    linkSync(this.at(this.dir(target.parent, false, 'the hard link target'), target.name), this.at(pfd, name));
  }

  /** A device node or FIFO (Node has no mknod: mknod(1) does it, on the pinned directory). */
  node(parts: string[], type: 'c' | 'b' | 'p', major: number, minor: number, mode: number, uid: number, gid: number): void {
    const { pfd, name } = this.place(parts, 'the device');
    const args = ['-m', (mode & 0o7777).toString(8), this.atForChild(pfd, name), type];
    if (type !== 'p') args.push(String(major), String(minor));
    run('mknod', args);
    lchownSync(this.at(pfd, name), uid, gid);
  }

  /** `.wh.NAME`: NAME in this layer's own directory becomes overlay's whiteout (char 0:0). */
  whiteout(parts: string[]): void {
    const { pfd, name } = this.place(parts, 'the whiteout');
    run('mknod', ['-m', '000', this.atForChild(pfd, name), 'c', '0', '0']);
    lchownSync(this.at(pfd, name), 0, 0);
  }

  /** `.wh..wh..opq` in DIR: DIR (this layer's own, never through a link) hides what lower layers hold. */
  opaque(parts: string[]): void {
    const fd = this.dir(parts, true, 'the opaque marker of');
    // setfattr follows its path: /proc/PID/fd/N is the pinned directory itself.
    run('setfattr', ['-n', OPAQUE_XATTR, '-v', 'y', this.atForChild(fd)]);
  }

  /** Sets a directory's times once its entries are all written (writing them changed the mtime). */
  dirTimes(parts: string[], mtime: Date): void {
    try {
      const fd = parts.length === 0 ? this.rootFd : this.dir(parts, false, 'the directory');
      futimesSync(fd, mtime, mtime);
    } catch {
      // Replaced by a later entry: its times are not this directory's to set.
    }
  }
}

function run(file: string, args: string[]): void {
  try {
    execFileSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '')
      .trim()
      .split('\n')
      .pop();
    throw new Error(`${file} failed: ${stderr || (err as Error).message}`);
  }
}
