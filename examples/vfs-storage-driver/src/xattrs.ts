import { OPAQUE_VALUE, OPAQUE_XATTR, runCommandSync, tryRunCommandSync } from '@mydocker/core';

export { OPAQUE_XATTR };

/** Extended attributes of every path under a directory, relative path → name → base64 value. */
export type XattrMap = Map<string, Map<string, string>>;

function getfattr(args: string[]): string {
  const r = tryRunCommandSync('getfattr', args);
  if (r.code === 127) throw new Error(`Cannot run getfattr (install the "attr" package): ${r.stderr}`);
  // Exit 1 with output just means some file had no attribute matching; a real failure prints nothing.
  if (r.code !== 0 && r.stdout === '') throw new Error(`getfattr failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * Reads the attributes of a whole tree with one getfattr call (Node has no xattr API, and one process
 * per file would dominate the copy). `pattern` is getfattr's -m regex.
 */
export function readTreeXattrs(root: string, pattern = '-'): XattrMap {
  const out: XattrMap = new Map();
  const text = getfattr(['-R', '-P', '-h', '--absolute-names', '-d', '-m', pattern, '-e', 'base64', root]);
  let current: Map<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) {
      const path = unescapePath(line.slice(8));
      const rel = path === root ? '' : path.slice(root.length + 1);
      current = new Map();
      out.set(rel, current);
    } else if (current && line.includes('=')) {
      const eq = line.indexOf('=');
      current.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return out;
}

/** getfattr escapes unusual bytes in names as \ooo octal. */
function unescapePath(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(s[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function escapePath(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (b < 0x21 || b === 0x5c || b > 0x7e ? `\\${b.toString(8).padStart(3, '0')}` : String.fromCharCode(b))).join('');
}

/** Sets attributes on many paths with one `setfattr --restore` call. */
export function writeXattrs(entries: Array<{ path: string; attrs: Map<string, string> }>): void {
  const lines: string[] = [];
  for (const { path, attrs } of entries) {
    if (attrs.size === 0) continue;
    lines.push(`# file: ${escapePath(path)}`);
    for (const [name, value] of attrs) lines.push(`${name}=${value}`);
    lines.push('');
  }
  if (lines.length === 0) return;
  // `--restore=-` reads the dump from stdin: no temporary file to write and remove.
  runCommandSync('setfattr', ['-h', '--restore=-'], { input: lines.join('\n') });
}

export function setOpaque(path: string): void {
  writeXattrs([{ path, attrs: new Map([[OPAQUE_XATTR, `0s${Buffer.from(OPAQUE_VALUE).toString('base64')}`]]) }]);
}
