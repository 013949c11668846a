/**
 * Errors that reach the user. Each carries the exit code Docker would use, so the CLI can
 * print one sentence and exit without a stack trace.
 */
export class MydockerError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 125,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The engine refused or failed: bad input, conflicts, missing objects (Docker's 125). */
export class UsageError extends MydockerError {
  constructor(message: string) {
    super(message, 125);
  }
}

export class NotFoundError extends MydockerError {
  constructor(message: string) {
    super(message, 125);
  }
}

export class ConflictError extends MydockerError {
  constructor(message: string) {
    super(message, 125);
  }
}

/** The container's command exists but cannot be executed (Docker's 126). */
export class CannotExecuteError extends MydockerError {
  constructor(message: string) {
    super(message, 126);
  }
}

/** The container's command does not exist (Docker's 127). */
export class CommandNotFoundError extends MydockerError {
  constructor(message: string) {
    super(message, 127);
  }
}

/** A feature whose plugin is not installed: says which package brings it. */
export class MissingPluginError extends MydockerError {
  constructor(
    readonly what: string,
    readonly packageName: string,
  ) {
    super(`${what} needs the ${packageName} plugin, which is not installed: run \`npm install ${packageName}\` next to @mydocker/cli.`, 125);
  }
}

export function isMydockerError(err: unknown): err is MydockerError {
  return err instanceof Error && typeof (err as MydockerError).exitCode === 'number';
}

/**
 * Control bytes, DEL, C1 controls, line separators and bidi overrides written as escapes, so that user
 * input echoed in a message can neither break the one-line form nor move the terminal's cursor or rewrite
 * what is shown (a name holding "\r" or "\x1b[2K" must not hide the rest of the sentence).
 */
export function escapeControl(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const short: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    if (short[c]) return short[c];
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** User input for a message: in double quotes, with quotes, backslashes and control bytes escaped. */
export function quoteInput(value: string): string {
  return `"${escapeControl(value.replace(/\\/g, '\\\\').replace(/"/g, '\\"'))}"`;
}

interface ErrnoLike {
  code?: unknown;
  syscall?: string;
  path?: string;
  dest?: string;
  message?: string;
  cause?: unknown;
}

/** The strerror(3) texts that tools print (cp, tar, mount) when they do not give the errno's name. */
const STRERROR: Record<string, RegExp> = {
  ENOSPC: /\bENOSPC\b|No space left on device|Disk quota exceeded|\bEDQUOT\b/i,
  EROFS: /\bEROFS\b|Read-only file system/,
  EACCES: /\bEACCES\b|Permission denied/,
  EPERM: /\bEPERM\b|Operation not permitted/,
};

function errnoOf(err: unknown): { code?: string; path?: string; syscall?: string } {
  for (let e = err as ErrnoLike | undefined, depth = 0; e && typeof e === 'object' && depth < 8; e = e.cause as ErrnoLike | undefined, depth++) {
    if (typeof e.code === 'string' && /^E[A-Z0-9]+$/.test(e.code)) return { code: e.code, path: e.path ?? e.dest, syscall: e.syscall };
  }
  return {};
}

/** The first absolute path the message quotes ('/x', "/x" or `/x`), as tools and Node's errno messages do. */
function quotedPath(message: string): string | undefined {
  return /['"‘`](\/[^'"’`\n]*)['"’`]/.exec(message)?.[1];
}

/** Removes every "Error: " another layer put before the text: the CLI prints exactly one. */
export function stripErrorPrefixes(message: string): string {
  return message.replace(/^(?:\s*(?:[A-Z][A-Za-z]*)?Error: )+/, '').replace(/(^|: |\(|; )(?:(?:[A-Z][A-Za-z]*)?Error: )+/g, '$1');
}

export interface DescribeOptions {
  /** Mount point holding a path, to name the file system that is full. Defaults to /proc/self/mountinfo. */
  mountOf?: (path: string) => string | undefined;
  /**
   * Directories the command writes under (the roots). When an ENOSPC names no path (a write on an open
   * file), the first of these whose file system is full is named instead of "the device".
   */
  roots?: string[];
  /** Whether the file system holding a path is full; defaults to statfs. */
  isFull?: (path: string) => boolean;
}

export interface DescribedError {
  /** One sentence, without the "Error: " the CLI puts first. */
  message: string;
  exitCode: number;
  /** True for a JavaScript TypeError, RangeError and the like (a bug): the caller may offer its stack trace. */
  internal: boolean;
}

function mountOfFromProc(path: string): string | undefined {
  let best: string | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const text = (require('node:fs') as typeof import('node:fs')).readFileSync('/proc/self/mountinfo', 'utf8');
    for (const line of text.split('\n')) {
      const mount = line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
      if (!mount) continue;
      const inside = mount === '/' || path === mount || path.startsWith(`${mount}/`);
      if (inside && (!best || mount.length > best.length)) best = mount;
    }
  } catch {
    return undefined;
  }
  return best;
}

/** Less than 1 MiB left for unprivileged writes, or no inode: what made the write fail. */
function isFullFromStatfs(path: string): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const st = (require('node:fs') as typeof import('node:fs')).statfsSync(path);
    return st.bavail * st.bsize < 1024 * 1024 || st.ffree === 0;
  } catch {
    return false;
  }
}

/**
 * What the CLI prints for any error: one sentence, one "Error: " (added by the caller), control bytes
 * escaped, and for the errnos an operator meets (a full disk, a read-only or forbidden path) the same
 * sentence whichever layer hit them, instead of a tool's text wrapped in a stack trace.
 */
export function describeError(err: unknown, options: DescribeOptions = {}): DescribedError {
  const mydocker = isMydockerError(err);
  const exitCode = mydocker ? (err as MydockerError).exitCode : 125;
  const raw =
    err instanceof Error
      ? err.message
      : typeof err === 'object' && err && typeof (err as ErrnoLike).message === 'string'
        ? String((err as ErrnoLike).message)
        : String(err);
  // The text stays as its layer wrote it (Docker's "No such container: x" has no full stop, and scripts
  // match it); only the sentences made here are shaped here.
  const text = stripErrorPrefixes(raw.trim());
  const errno = errnoOf(err);
  const matches = (code: string) => errno.code === code || STRERROR[code].test(text);
  const where = () => {
    const path = errno.path ?? quotedPath(text);
    return path ? escapeControl(path) : undefined;
  };
  const sentence = (message: string, internal = false): DescribedError => ({ message: escapeControl(message), exitCode, internal });

  // A full disk is named the same way wherever it was hit: mydocker's own messages too.
  if (exitCode === 125 && (matches('ENOSPC') || errno.code === 'EDQUOT')) {
    const path = where();
    const mountOf = options.mountOf ?? mountOfFromProc;
    const mount = path ? mountOf(path) : undefined;
    const fullRoot = path ? undefined : options.roots?.find(options.isFull ?? isFullFromStatfs);
    const fullMount = fullRoot ? escapeControl(mountOf(fullRoot) ?? fullRoot) : undefined;
    const on = fullMount ?? (!path ? 'the device' : mount && mount !== path ? `${mount} (writing ${path})` : path);
    return sentence(`No space left on ${on}: free space and retry.`);
  }
  if (mydocker) return sentence(text);
  if (matches('EROFS'))
    return sentence(`read-only file system at ${where() ?? 'the target'}: remount it read-write, or point --root/--run-root at a writable file system.`);
  if (matches('EACCES')) return sentence(`permission denied on ${where() ?? 'a file mydocker needs'}: check its owner and mode, and run mydocker as root.`);
  if (matches('EPERM')) {
    return sentence(
      `operation not permitted on ${where() ?? 'a file mydocker needs'}: the file may be immutable (lsattr), or mydocker lacks a capability it needs.`,
    );
  }
  if (errno.code) {
    // Node's errno text is "ENOENT: no such file or directory, open '/x'": keep the strerror part.
    const reason = /^E[A-Z0-9]+: ([^,]+)/.exec(text)?.[1] ?? text.replace(/\.$/, '');
    const path = where();
    const what = errno.syscall ? `${errno.syscall}${path ? ` ${path}` : ''}` : path;
    return sentence(`${what ? `${what} failed: ` : ''}${reason} (${errno.code}).`);
  }
  // JavaScript's own error types mean a bug, not a refusal: the CLI offers their stack trace.
  const bug =
    err instanceof TypeError ||
    err instanceof RangeError ||
    err instanceof ReferenceError ||
    err instanceof SyntaxError ||
    (err as Error)?.name === 'AssertionError';
  return sentence(text, bug);
}
