import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export { OPAQUE_XATTR, isWhiteoutStat } from '@mydocker/core';
import { OPAQUE_XATTR, opaqueSetfattrArgs, runCommand, tryRunCommand, whiteoutMknodArgs } from '@mydocker/core';

/** Copies a tree keeping owners, modes, times, devices and xattrs (overlay's whiteouts and opaque marks). */
export async function copyTree(source: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  await runCommand('cp', ['-a', '--no-target-directory', source, target]);
}

/** A whiteout: the character device 0:0 that overlay reads as "deleted". Node cannot mknod, so mknod(1) does. */
export async function makeWhiteout(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
  await runCommand('mknod', whiteoutMknodArgs(path));
}

/** Node has no xattr API: setfattr/getfattr (Debian's `attr` package) stand in. */
export async function setOpaque(dir: string): Promise<void> {
  await runCommand('setfattr', opaqueSetfattrArgs(dir));
}

/** Directories under `root` (relative paths) that carry the opaque mark, in one getfattr run. */
export async function findOpaqueDirs(root: string): Promise<Set<string>> {
  // getfattr exits 1 when some files lack the attribute; its stdout still lists those that have it.
  const { stdout } = await tryRunCommand('getfattr', ['-R', '-P', '--absolute-names', '-n', OPAQUE_XATTR, '-e', 'text', root]);
  return parseOpaqueDump(stdout, root);
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

/** Bytes and inodes used under a directory (lstat sizes; hard links counted once). */
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
