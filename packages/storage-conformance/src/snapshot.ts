import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ViewEntry } from './fixtures';
import { isOpaque } from './overlay-format';

export interface SnapshotOptions {
  /** Also record whiteouts, devices and opaque dirs (for layer directories rather than merged views). */
  layerFormat?: boolean;
}

/**
 * Reads a directory tree into path → one-line description (type, mode, owner, content or target),
 * the form the suite compares with jest's toEqual so that a failure shows the paths that differ.
 * File mtimes are kept in whole seconds, apart, so a comparison can choose to ignore them.
 */
export function snapshotTree(root: string, options: SnapshotOptions = {}): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const full = join(root, path);
      const st = lstatSync(full);
      const owner = `${st.uid}:${st.gid}`;
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      if (st.isDirectory()) {
        const opaque = options.layerFormat && isOpaque(full) ? ' opaque' : '';
        out.set(path, `dir ${mode} ${owner}${opaque}`);
        walk(path);
      } else if (st.isFile()) {
        out.set(path, `file ${mode} ${owner} ${describeContent(readFileSync(full))} mtime=${Math.floor(st.mtimeMs / 1000)}`);
      } else if (st.isSymbolicLink()) {
        out.set(path, `symlink -> ${readlinkSync(full)}`);
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        const kind = st.isCharacterDevice() ? 'chardev' : 'blockdev';
        out.set(path, `${kind} ${mode} ${owner} ${Math.floor(st.rdev / 256)}:${st.rdev % 256}`);
      } else {
        out.set(path, `other ${mode} ${owner}`);
      }
    }
  };
  walk('');
  return out;
}

function describeContent(data: Buffer): string {
  const text = data.toString('utf8');
  if (data.length <= 120 && !/[^\x20-\x7e\n]/.test(text)) return JSON.stringify(text);
  return `sha256:${createHash('sha256').update(data).digest('hex').slice(0, 16)} (${data.length} bytes)`;
}

/** The model's view in snapshot words. */
export function describeView(view: Map<string, ViewEntry>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, e] of [...view.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (e.type === 'dir') out.set(path, `dir ${(e.mode & 0o7777).toString(8).padStart(4, '0')} ${e.uid}:${e.gid}`);
    else if (e.type === 'symlink') out.set(path, `symlink -> ${e.target}`);
    else {
      const mtime = e.mtime === undefined ? '' : ` mtime=${e.mtime}`;
      out.set(path, `file ${(e.mode & 0o7777).toString(8).padStart(4, '0')} ${e.uid}:${e.gid} ${describeContent(Buffer.from(e.content))}${mtime}`);
    }
  }
  return out;
}

/** Drops the mtime of every file whose expected description carries none, so both sides compare alike. */
export function alignMtimes(actual: Map<string, string>, expected: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, line] of actual) {
    const want = expected.get(path);
    out.set(path, want !== undefined && !want.includes(' mtime=') ? line.replace(/ mtime=\d+$/, '') : line);
  }
  return out;
}

/** Maps print poorly in jest diffs; plain objects keyed by path print one line per path. */
export function asObject(map: Map<string, string>): Record<string, string> {
  return Object.fromEntries(map);
}
