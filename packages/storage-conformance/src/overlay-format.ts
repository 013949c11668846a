import { isWhiteoutStat, OPAQUE_VALUE, OPAQUE_XATTR, opaqueSetfattrArgs, whiteoutMknodArgs } from '@mydocker/core';
import { spawnSync } from 'node:child_process';
import { lstatSync } from 'node:fs';

/**
 * The two markers of the overlay layer format. Node has no mknod(2) and no xattr calls, so the
 * coreutils `mknod` and the `attr` package's getfattr/setfattr do it (both ship with Debian).
 */
export { OPAQUE_XATTR };

function run(cmd: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`Cannot run ${cmd}: ${r.error.message} (install coreutils and attr).`);
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** A whiteout: a character device 0:0 named like the path it hides. */
export function makeWhiteout(path: string): void {
  const r = run('mknod', whiteoutMknodArgs(path));
  if (r.code !== 0) throw new Error(`mknod ${path} failed: ${r.stderr.trim()}`);
}

export function isWhiteout(path: string): boolean {
  try {
    return isWhiteoutStat(lstatSync(path));
  } catch {
    return false;
  }
}

export function setOpaque(dir: string): void {
  const r = run('setfattr', opaqueSetfattrArgs(dir));
  if (r.code !== 0) throw new Error(`setfattr ${dir} failed: ${r.stderr.trim()}`);
}

export function isOpaque(dir: string): boolean {
  const r = run('getfattr', ['--absolute-names', '--only-values', '-n', OPAQUE_XATTR, dir]);
  return r.code === 0 && r.stdout === OPAQUE_VALUE;
}
