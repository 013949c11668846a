import { OPAQUE_XATTR } from '@mydocker/core';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export function isWhiteoutStat(st: { isCharacterDevice(): boolean; rdev: number }): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** Directories under `root` (relative paths) that carry overlay's opaque mark, in one getfattr run (Node has no xattr API). */
export async function findOpaqueDirs(root: string): Promise<Set<string>> {
  // child_process on use: the image store is loaded by `rm` too, which spawns nothing (core's host-command.ts).
  const { execFile } = require('node:child_process') as typeof import('node:child_process');
  const out = await new Promise<string>((resolve) =>
    // getfattr exits 1 when some files lack the attribute; its stdout still lists those that have it.
    execFile('getfattr', ['-R', '-P', '--absolute-names', '-n', OPAQUE_XATTR, '-e', 'text', root], { maxBuffer: 256 * 1024 * 1024 }, (_err, stdout) =>
      resolve(String(stdout ?? '')),
    ),
  );
  return parseOpaqueDump(out, root);
}

/** Parses `getfattr --dump` output ("# file: PATH" then `name="value"` lines). */
export function parseOpaqueDump(out: string, root: string): Set<string> {
  const found = new Set<string>();
  let current: string | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('# file: ')) current = line.slice(8);
    else if (current && line.startsWith(`${OPAQUE_XATTR}=`) && /="y"$/.test(line)) {
      const rel = current === root ? '' : current.startsWith(`${root}/`) ? current.slice(root.length + 1) : undefined;
      if (rel !== undefined) found.add(rel);
    }
  }
  return found;
}

/** Bytes used under a directory (lstat sizes; hard links counted once). */
export async function diskUsage(dir: string): Promise<{ bytes: number; inodes: number }> {
  let bytes = 0;
  let inodes = 0;
  const seen = new Set<number>();
  async function walk(path: string): Promise<void> {
    let st;
    try {
      st = await lstat(path);
    } catch {
      return;
    }
    if (st.nlink > 1 && !st.isDirectory()) {
      if (seen.has(st.ino)) return;
      seen.add(st.ino);
    }
    inodes++;
    bytes += st.isFile() ? st.size : 0;
    if (st.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  }
  await walk(dir);
  return { bytes, inodes };
}

export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
