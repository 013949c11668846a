import { UsageError } from '@mydocker/core';
import { resolve } from 'node:path';

export interface CpEndpoint {
  /** Set when the argument names a container: `CONTAINER:PATH`. */
  container?: string;
  path: string;
}

/**
 * Docker's rule: an argument that starts with "/" or "." is a local path even if it holds a colon;
 * otherwise `NAME:PATH` names a container path.
 */
export function parseEndpoint(arg: string): CpEndpoint {
  if (arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const colon = arg.indexOf(':');
  if (colon <= 0) return { path: arg };
  const path = arg.slice(colon + 1);
  return { container: arg.slice(0, colon), path: path === '' ? '/' : path };
}

export type CpPlan = { direction: 'out'; container: string; src: string; dest: string } | { direction: 'in'; container: string; src: string; dest: string };

export function planCopy(srcArg: string, destArg: string): CpPlan {
  const src = parseEndpoint(srcArg);
  const dest = parseEndpoint(destArg);
  if (src.container && dest.container) throw new UsageError('Copying between containers is not supported: copy to the host first.');
  if (!src.container && !dest.container) throw new UsageError('One of SRC and DEST must be CONTAINER:PATH.');
  // "-" is a tar stream (Docker's): `cp - CONTAINER:DIR` reads one from stdin, `cp CONTAINER:PATH -` writes one.
  if (src.container) {
    if (!src.path.startsWith('/')) src.path = `/${src.path}`;
    return { direction: 'out', container: src.container, src: src.path, dest: dest.path };
  }
  if (!dest.path.startsWith('/')) dest.path = `/${dest.path}`;
  return { direction: 'in', container: dest.container!, src: src.path, dest: dest.path };
}

/** An absolute host path that keeps the trailing "/" or "/." that changes what cp does. */
export function absoluteHostPath(path: string, cwd = process.cwd()): string {
  const abs = resolve(cwd, path);
  if (path === '.' || path.endsWith('/.')) return abs === '/' ? '/.' : `${abs}/.`;
  if (path.endsWith('/') && abs !== '/') return `${abs}/`;
  return abs;
}
