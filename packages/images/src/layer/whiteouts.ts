import { OPAQUE_MARKER, WHITEOUT_PREFIX } from '@mydocker/core';
import { posix } from 'node:path';

export { OPAQUE_MARKER, WHITEOUT_PREFIX };

/**
 * Layer tars (docker save, OCI) mark deletions with aufs-style names; layers on disk use overlay's
 * format. `.wh.NAME` = NAME was deleted (overlay: char device 0:0), `.wh..wh..opq` in DIR = DIR hides
 * its lower contents (overlay: xattr trusted.overlay.opaque=y). Other `.wh..wh.*` names are aufs
 * bookkeeping and are dropped.
 */

export type WhiteoutEntry = { kind: 'whiteout'; path: string } | { kind: 'opaque'; dir: string } | { kind: 'meta' };

/** Classifies a tar entry path (relative, "/"-separated); undefined for an ordinary entry. */
export function classifyTarPath(entryPath: string): WhiteoutEntry | undefined {
  const clean = posix.normalize(entryPath.replace(/^(\.\/)+/, '').replace(/^\/+/, '')).replace(/\/+$/, '');
  const base = posix.basename(clean);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const dir = posix.dirname(clean);
  const parent = dir === '.' ? '' : dir;
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir: parent };
  if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return { kind: 'meta' };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') return { kind: 'meta' };
  return { kind: 'whiteout', path: parent ? `${parent}/${name}` : name };
}

/** The tar name that records the deletion of `path` (relative). */
export function whiteoutTarPath(path: string): string {
  const dir = posix.dirname(path);
  const name = `${WHITEOUT_PREFIX}${posix.basename(path)}`;
  return dir === '.' ? name : `${dir}/${name}`;
}

export function opaqueTarPath(dir: string): string {
  return dir === '' ? OPAQUE_MARKER : `${dir}/${OPAQUE_MARKER}`;
}
