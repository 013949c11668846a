import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { isWhiteout, sameKind } from './copy';
import { OPAQUE_XATTR, readTreeXattrs } from './xattrs';

/** A node of the lowers' merged view, kept in memory: where the visible entry lives and its metadata. */
interface LowerNode {
  path: string;
  st: Stats;
  children: Map<string, LowerNode>;
}

/** The merged view of `lowers` (lowest first), built without copying: the "snapshot" the naive diff compares with. */
export function indexLowers(lowers: string[]): LowerNode {
  const root: LowerNode = { path: '', st: undefined as unknown as Stats, children: new Map() };
  for (const layer of lowers) {
    const opaque = readTreeXattrs(layer, `^${OPAQUE_XATTR.replace(/\./g, '\\.')}$`);
    const walk = (rel: string, node: LowerNode) => {
      for (const name of readdirSync(join(layer, rel))) {
        const path = rel ? `${rel}/${name}` : name;
        const src = join(layer, path);
        const st = lstatSync(src);
        if (isWhiteout(st)) {
          node.children.delete(name);
          continue;
        }
        const existing = node.children.get(name);
        if (st.isDirectory()) {
          const merged = existing && existing.st.isDirectory() && !opaque.has(path) ? existing.children : new Map<string, LowerNode>();
          const child: LowerNode = { path: src, st, children: merged };
          node.children.set(name, child);
          walk(path, child);
        } else {
          node.children.set(name, { path: src, st, children: new Map() });
        }
      }
    };
    walk('', root);
  }
  return root;
}

export type Change =
  /** The path is new or replaced: copy it (a directory with everything under it). `opaque` when it replaces a non-directory. */
  | { kind: 'add'; path: string; st: Stats; opaque: boolean }
  /** A file, link or device whose content or metadata changed. */
  | { kind: 'modify'; path: string; st: Stats }
  /** A directory that exists below and here, with changed metadata (or changed contents listed after it). */
  | { kind: 'dir'; path: string; st: Stats }
  | { kind: 'delete'; path: string };

function sameMeta(a: Stats, b: Stats): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;
}

function sameContent(here: string, st: Stats, lower: LowerNode): boolean {
  const l = lower.st;
  if (!sameMeta(st, l)) return false;
  if (st.isSymbolicLink()) return readlinkSync(here) === readlinkSync(lower.path);
  if (st.isCharacterDevice() || st.isBlockDevice()) return st.rdev === l.rdev;
  // Docker's naive diff: size and mtime, not the bytes (copies keep mtimes to the millisecond).
  return st.size === l.size && Math.floor(st.mtimeMs) === Math.floor(l.mtimeMs);
}

/**
 * Compares the container's root with the lowers' merged view. Parents come before children, so a
 * consumer can create directories as it goes.
 */
export function computeChanges(root: string, lowers: LowerNode): Change[] {
  const changes: Change[] = [];
  const walk = (rel: string, lower: LowerNode) => {
    const names = readdirSync(join(root, rel)).sort();
    const present = new Set(names);
    for (const name of [...lower.children.keys()].sort()) {
      if (!present.has(name)) changes.push({ kind: 'delete', path: rel ? `${rel}/${name}` : name });
    }
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      const here = join(root, path);
      const st = lstatSync(here);
      const below = lower.children.get(name);
      if (!below || !sameKind(st, below.st)) {
        changes.push({ kind: 'add', path, st, opaque: st.isDirectory() && below !== undefined });
      } else if (st.isDirectory()) {
        const mark = changes.length;
        walk(path, below);
        if (!sameMeta(st, below.st) || changes.length > mark) changes.splice(mark, 0, { kind: 'dir', path, st });
      } else if (!sameContent(here, st, below)) {
        changes.push({ kind: 'modify', path, st });
      }
    }
  };
  walk('', lowers);
  return changes;
}
