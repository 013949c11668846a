import { chmodSync, chownSync, lchownSync, lutimesSync, mkdirSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeWhiteout, setOpaque } from './overlay-format';

/** One entry of a layer, declared; `buildLayer` writes it in overlay format. Parents default to 0755 root:root. */
export type LayerEntry =
  | { path: string; type: 'file'; content: string; mode?: number; uid?: number; gid?: number; mtime?: number }
  | { path: string; type: 'dir'; mode?: number; uid?: number; gid?: number; opaque?: boolean }
  | { path: string; type: 'symlink'; target: string }
  | { path: string; type: 'whiteout' };

export const file = (path: string, content: string, extra: { mode?: number; uid?: number; gid?: number; mtime?: number } = {}): LayerEntry => ({
  path,
  type: 'file',
  content,
  ...extra,
});
export const dir = (path: string, extra: { mode?: number; uid?: number; gid?: number; opaque?: boolean } = {}): LayerEntry => ({
  path,
  type: 'dir',
  ...extra,
});
export const symlink = (path: string, target: string): LayerEntry => ({ path, type: 'symlink', target });
export const whiteout = (path: string): LayerEntry => ({ path, type: 'whiteout' });

function parentsOf(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** Writes `entries` into the (new or empty) directory `layerDir`. Needs root for ownership, whiteouts and opaque dirs. */
export function buildLayer(layerDir: string, entries: LayerEntry[]): string {
  mkdirSync(layerDir, { recursive: true });
  for (const entry of entries) {
    for (const parent of parentsOf(entry.path)) {
      const p = join(layerDir, parent);
      if (!existsSync(p)) {
        mkdirSync(p);
        chmodSync(p, 0o755);
      }
    }
    const target = join(layerDir, entry.path);
    switch (entry.type) {
      case 'file':
        writeFileSync(target, entry.content);
        chownSync(target, entry.uid ?? 0, entry.gid ?? 0);
        chmodSync(target, entry.mode ?? 0o644); // after chown, which clears setuid bits
        if (entry.mtime !== undefined) lutimesSync(target, entry.mtime, entry.mtime);
        break;
      case 'dir':
        if (!existsSync(target)) mkdirSync(target);
        chownSync(target, entry.uid ?? 0, entry.gid ?? 0);
        chmodSync(target, entry.mode ?? 0o755);
        if (entry.opaque) setOpaque(target);
        break;
      case 'symlink':
        symlinkSync(entry.target, target);
        lchownSync(target, 0, 0);
        break;
      case 'whiteout':
        makeWhiteout(target);
        break;
    }
  }
  return layerDir;
}

/** What a path looks like in a merged view, in the same words `snapshotTree` uses. */
export type ViewEntry =
  | { type: 'file'; content: string; mode: number; uid: number; gid: number; mtime?: number }
  | { type: 'dir'; mode: number; uid: number; gid: number }
  | { type: 'symlink'; target: string };

/**
 * The reference model of overlay semantics: applies layers (lowest first) to a map of paths.
 * An upper entry replaces what is below it; an upper dir merges with a lower dir unless opaque;
 * a whiteout deletes the path and everything under it. Parents a layer creates implicitly count as
 * 0755 root:root dirs of that layer, as `buildLayer` writes them.
 */
export function expectedView(layers: LayerEntry[][]): Map<string, ViewEntry> {
  const view = new Map<string, ViewEntry>();
  const dropUnder = (path: string) => {
    for (const key of [...view.keys()]) if (key.startsWith(`${path}/`)) view.delete(key);
  };
  const putDir = (path: string, mode: number, uid: number, gid: number) => {
    if (view.get(path)?.type !== 'dir') dropUnder(path);
    view.set(path, { type: 'dir', mode, uid, gid });
  };
  for (const layer of layers) {
    const implicit = new Set<string>();
    const explicit = new Set(layer.filter((e) => e.type === 'dir').map((e) => e.path));
    for (const entry of layer) {
      for (const parent of parentsOf(entry.path)) {
        if (!explicit.has(parent) && !implicit.has(parent)) {
          implicit.add(parent);
          putDir(parent, 0o755, 0, 0);
        }
      }
      switch (entry.type) {
        case 'whiteout':
          view.delete(entry.path);
          dropUnder(entry.path);
          break;
        case 'dir':
          if (entry.opaque) dropUnder(entry.path);
          putDir(entry.path, entry.mode ?? 0o755, entry.uid ?? 0, entry.gid ?? 0);
          break;
        case 'file':
          dropUnder(entry.path);
          view.set(entry.path, {
            type: 'file',
            content: entry.content,
            mode: entry.mode ?? 0o644,
            uid: entry.uid ?? 0,
            gid: entry.gid ?? 0,
            mtime: entry.mtime,
          });
          break;
        case 'symlink':
          dropUnder(entry.path);
          view.set(entry.path, { type: 'symlink', target: entry.target });
          break;
      }
    }
  }
  return view;
}

/**
 * The suite's standard layers: files, dirs, symlinks, modes (setuid, sticky, private), ownership,
 * whiteouts of a file and of a dir, an opaque dir, and type changes in both directions.
 */
export function standardLayers(): LayerEntry[][] {
  const base: LayerEntry[] = [
    dir('etc'),
    file('etc/hostname', 'base\n'),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'),
    symlink('etc/abs-link', '/etc/passwd'),
    dir('bin'),
    file('bin/tool', '#!/bin/sh\necho v1\n', { mode: 0o755, mtime: 978307200 }),
    symlink('bin/sh', 'tool'),
    file('bin/suid', 'suid', { mode: 0o4755 }),
    dir('home/user', { mode: 0o700, uid: 1000, gid: 1000 }),
    file('home/user/notes', 'private', { mode: 0o600, uid: 1000, gid: 1000 }),
    dir('tmp', { mode: 0o1777 }),
    file('opt/app/a', 'a1'),
    file('opt/app/sub/b', 'b1'),
    file('var/lib/gone', 'delete me'),
    file('var/lib/kept', 'kept'),
    file('var/cache/deep/x', 'x'),
    file('file-then-dir', 'f'),
    file('dir-then-file/inner', 'i'),
  ];
  const middle: LayerEntry[] = [
    file('etc/hostname', 'layer2\n', { mode: 0o640 }),
    whiteout('var/lib/gone'),
    dir('opt/app', { opaque: true }),
    file('opt/app/c', 'c2'),
    whiteout('var/cache'),
    dir('file-then-dir'),
    file('file-then-dir/x', 'x2'),
    file('dir-then-file', 'now a file'),
    file('bin/tool2', 't2', { mode: 0o750 }),
  ];
  const top: LayerEntry[] = [
    symlink('etc/hostname-link', 'hostname'),
    file('bin/tool', '#!/bin/sh\necho v3\n', { mode: 0o755 }),
    file('var/lib/gone', 'back again'),
    whiteout('bin/tool2'),
    file('var/cache/new', 'new'),
  ];
  return [base, middle, top];
}
