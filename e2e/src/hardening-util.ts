import { readdirSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every path under `dir` with its type, size and (for regular files) content: two listings are equal only
 * when nothing was created, deleted or rewritten. Lock directories that come and go are not state.
 */
export function treeListing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(d, name);
      const st = lstatSync(path);
      if (st.isDirectory()) {
        out.push(`${path}/`);
        walk(path);
      } else if (st.isFile()) {
        out.push(`${path} ${st.size} ${st.size < 65536 ? readFileSync(path).toString('base64') : st.mtimeMs}`);
      } else {
        out.push(`${path} ${st.isSymbolicLink() ? 'link' : 'other'}`);
      }
    }
  };
  walk(dir);
  return out;
}

/** The checks every refused command must pass: one line, "Error: ..." and no stack trace. */
export function oneClearSentence(stderr: string): string | undefined {
  const lines = stderr.trim().split('\n');
  if (lines.length !== 1) return `expected one line, got ${lines.length}: ${stderr}`;
  if (!/^Error: \S/.test(lines[0])) return `expected "Error: ...": ${stderr}`;
  if (/\bat .+:\d+:\d+/.test(stderr)) return `stack trace: ${stderr}`;
  return undefined;
}
