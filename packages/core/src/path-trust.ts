import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';

/** What the walk needs from the file system; tests pass a fake one. */
export interface TrustFs {
  lstat(path: string): Pick<Stats, 'uid' | 'gid' | 'mode' | 'isSymbolicLink' | 'isDirectory'>;
  readlink(path: string): string;
}

export interface TrustOptions {
  /** The user code will run as; defaults to the effective uid. Root (0) is always trusted. */
  uid?: number;
  fs?: TrustFs;
}

const realFs: TrustFs = { lstat: (p) => lstatSync(p), readlink: (p) => readlinkSync(p) };

/** The real file system, each path read once: one discovery checks a dozen paths sharing most directories. */
export function cachedTrustFs(): TrustFs {
  const seen = new Map<string, ReturnType<TrustFs['lstat']>>();
  return {
    lstat: (p) => {
      let st = seen.get(p);
      if (!st) seen.set(p, (st = lstatSync(p)));
      return st;
    },
    readlink: (p) => readlinkSync(p),
  };
}

const STICKY = 0o1000;

/**
 * Why `path` cannot be trusted to hold code this process will run, or undefined when it can. Every
 * component from `/` down is checked, and symbolic links are followed and checked the same way, as
 * OpenSSH's StrictModes and sudo check their files: each must be owned by root or by the user, and
 * writable by nobody else (group write only for group root). A sticky directory such as /tmp may be
 * world-writable on the way (nobody can replace another's entry in it), never as the last component.
 */
export function untrustedReason(path: string, options: TrustOptions = {}): string | undefined {
  const uid = options.uid ?? process.geteuid?.() ?? 0;
  const fs = options.fs ?? realFs;
  try {
    return walk(resolve(path), uid, fs, 0).reason;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return `${path} cannot be checked (${code ?? (err as Error).message})`;
  }
}

function componentReason(path: string, st: ReturnType<TrustFs['lstat']>, uid: number, last: boolean): string | undefined {
  if (st.uid !== 0 && st.uid !== uid) return `${path} is owned by uid ${st.uid}, not by root`;
  if (st.isSymbolicLink()) return undefined;
  const mode = st.mode & 0o7777;
  const otherWrite = (mode & 0o002) !== 0;
  const groupWrite = (mode & 0o020) !== 0 && st.gid !== 0;
  const stickyPassage = st.isDirectory() && (mode & STICKY) !== 0 && !last;
  if ((otherWrite || groupWrite) && !stickyPassage)
    return `${path} is writable by ${otherWrite ? 'any user' : `group ${st.gid}`} (mode ${mode.toString(8).padStart(4, '0')})`;
  return undefined;
}

function walk(path: string, uid: number, fs: TrustFs, depth: number): { real: string; reason?: string } {
  if (depth > 40) return { real: path, reason: `${path} has too many levels of symbolic links` };
  const parts = path.split(sep).filter(Boolean);
  let current = '/';
  const rootReason = componentReason('/', fs.lstat('/'), uid, parts.length === 0);
  if (rootReason) return { real: '/', reason: rootReason };
  for (let i = 0; i < parts.length; i++) {
    const next = join(current, parts[i]);
    const st = fs.lstat(next);
    const reason = componentReason(next, st, uid, i === parts.length - 1);
    if (reason) return { real: next, reason };
    if (st.isSymbolicLink()) {
      const target = fs.readlink(next);
      const followed = walk(isAbsolute(target) ? target : join(dirname(next), target), uid, fs, depth + 1);
      if (followed.reason) return followed;
      // The target was walked as a whole path, its end as a last component: a sticky directory is refused
      // there even in the middle of this path (stricter than needed, and rare).
      current = followed.real;
    } else {
      current = next;
    }
  }
  return { real: current };
}
