import { UsageError } from './errors';

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS). */
export const MAX_SYMLINKS = 40;

/** What the resolver needs to know about a path inside the container (given as its components). */
export type Probe = { kind: 'symlink'; target: string } | { kind: 'other' } | { kind: 'missing' };

export interface Resolved {
  /** Components from the container's `/`, with every symlink replaced and `..` applied. */
  components: string[];
  /** Whether the final component exists (false: the path names something to create). */
  exists: boolean;
}

export function splitPath(path: string): string[] {
  return path.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Resolves `path` as the kernel would with the container's root as `/`: an absolute symlink starts
 * again at the container's root, and `..` never climbs above it (chroot semantics, like openat2's
 * RESOLVE_IN_ROOT). So no symlink in the container can name a host path. The final component's
 * symlink is followed only when `followFinal`; the parent chain always is. Missing components are
 * kept as given, so the caller can create them.
 */
export function resolveInRoot(path: string, probe: (components: string[]) => Probe, followFinal: boolean): Resolved {
  const done: string[] = [];
  let pending = splitPath(path);
  let links = 0;
  while (pending.length > 0) {
    const [head, ...rest] = pending;
    pending = rest;
    if (head === '..') {
      done.pop();
      continue;
    }
    const candidate = [...done, head];
    const found = probe(candidate);
    if (found.kind === 'missing') {
      // Nothing below a missing directory exists either; keep the rest lexically, still clamped.
      done.push(head);
      for (const c of pending) {
        if (c === '..') done.pop();
        else done.push(c);
      }
      return { components: done, exists: false };
    }
    if (found.kind === 'symlink' && (pending.length > 0 || followFinal)) {
      if (++links > MAX_SYMLINKS) throw new UsageError(`Too many levels of symbolic links in the container path ${path}.`);
      if (found.target.startsWith('/')) done.length = 0;
      pending = [...splitPath(found.target), ...pending];
      continue;
    }
    done.push(head);
  }
  return { components: done, exists: true };
}

export function containerPath(components: string[]): string {
  return `/${components.join('/')}`;
}
