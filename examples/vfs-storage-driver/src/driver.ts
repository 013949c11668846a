import { isValidName, runCommandSync, whiteoutMknodArgs, type StorageDriver } from '@mydocker/core';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeChanges, indexLowers, type Change } from './changes';
import { copyNode, setMeta, type LinkMap } from './copy';
import { flatten } from './flatten';
import { readTreeXattrs, setOpaque, writeXattrs } from './xattrs';

/**
 * `<home>/containers/<id>/` holds `root/` (a full copy of the lowers, then the container's writes),
 * `lowers.json` (written last: its presence means `root/` is complete) and `mounted` (a marker: there is
 * no real mount, but callers need `isMounted` to follow mount/unmount).
 */
export class VfsDriver implements StorageDriver {
  readonly name = 'vfs';
  private readonly containers: string;

  constructor(readonly home: string) {
    this.containers = join(home, 'containers');
  }

  private dir(id: string): string {
    if (!isValidName(id)) throw new Error(`Invalid container id ${JSON.stringify(id)}.`);
    return join(this.containers, id);
  }

  private lowers(id: string): string[] {
    const file = join(this.dir(id), 'lowers.json');
    if (!existsSync(file)) throw new Error(`The vfs driver has no container ${id}: create it first.`);
    return JSON.parse(readFileSync(file, 'utf8')) as string[];
  }

  async create(id: string, lowerDirs: string[]): Promise<void> {
    const dir = this.dir(id);
    if (existsSync(join(dir, 'lowers.json'))) return;
    // A half-made copy from a crash is thrown away and made again.
    const tmp = `${dir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    flatten(lowerDirs, join(tmp, 'root'));
    writeFileSync(join(tmp, 'lowers.json'), JSON.stringify(lowerDirs));
    renameSync(tmp, dir);
  }

  async mount(id: string): Promise<string> {
    this.lowers(id);
    writeFileSync(join(this.dir(id), 'mounted'), '');
    return join(this.dir(id), 'root');
  }

  async unmount(id: string): Promise<void> {
    rmSync(join(this.dir(id), 'mounted'), { force: true });
  }

  async isMounted(id: string): Promise<boolean> {
    return existsSync(join(this.dir(id), 'mounted')) && existsSync(join(this.dir(id), 'lowers.json'));
  }

  private changes(id: string): { root: string; changes: Change[] } {
    const root = join(this.dir(id), 'root');
    return { root, changes: computeChanges(root, indexLowers(this.lowers(id))) };
  }

  async diff(id: string, targetDir: string): Promise<void> {
    const { root, changes } = this.changes(id);
    const links: LinkMap = new Map();
    const dirs: Array<{ path: string; st: import('node:fs').Stats }> = [];
    const xattrs = readTreeXattrs(root);
    const restore: Array<{ path: string; attrs: Map<string, string> }> = [];
    const keepXattrs = (rel: string, dst: string) => {
      const attrs = xattrs.get(rel);
      if (attrs && attrs.size > 0) restore.push({ path: dst, attrs });
    };
    const copyTree = (rel: string, st: import('node:fs').Stats) => {
      const dst = join(targetDir, rel);
      if (st.isDirectory()) {
        mkdirSync(dst);
        dirs.push({ path: dst, st });
        for (const name of readdirSync(join(root, rel))) copyTree(`${rel}/${name}`, lstatSync(join(root, rel, name)));
      } else {
        copyNode(join(root, rel), dst, st, links);
      }
      if (st.isFile() || st.isDirectory()) keepXattrs(rel, dst);
    };
    const opaque: string[] = [];
    for (const change of changes) {
      const dst = join(targetDir, change.path);
      switch (change.kind) {
        case 'delete': {
          runCommandSync('mknod', whiteoutMknodArgs(dst));
          break;
        }
        case 'dir':
          mkdirSync(dst);
          dirs.push({ path: dst, st: change.st });
          keepXattrs(change.path, dst);
          break;
        case 'add':
          copyTree(change.path, change.st);
          if (change.opaque) opaque.push(dst);
          break;
        case 'modify':
          copyNode(join(root, change.path), dst, change.st, links);
          if (change.st.isFile()) keepXattrs(change.path, dst);
          break;
      }
    }
    // Directory metadata last: writing into a directory changes its mtime.
    for (const { path, st } of dirs.reverse()) setMeta(path, st);
    writeXattrs(restore);
    for (const path of opaque) setOpaque(path);
  }

  async usage(id: string): Promise<{ bytes: number; inodes: number }> {
    const { root, changes } = this.changes(id);
    let bytes = 0;
    let inodes = 0;
    const count = (path: string) => {
      const st = lstatSync(path);
      inodes += 1;
      bytes += st.isDirectory() ? 0 : st.size;
      if (st.isDirectory()) for (const name of readdirSync(path)) count(join(path, name));
    };
    for (const change of changes) {
      if (change.kind === 'delete')
        inodes += 1; // a whiteout
      else if (change.kind === 'add') count(join(root, change.path));
      else {
        inodes += 1;
        bytes += change.kind === 'modify' ? change.st.size : 0;
      }
    }
    return { bytes, inodes };
  }

  async remove(id: string): Promise<void> {
    const dir = this.dir(id);
    rmSync(`${dir}.tmp`, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }

  async list(): Promise<string[]> {
    if (!existsSync(this.containers)) return [];
    return readdirSync(this.containers)
      .map((name) => name.replace(/\.tmp$/, ''))
      .filter((name, i, all) => all.indexOf(name) === i);
  }
}
