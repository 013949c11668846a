import { readFileSync, statSync } from 'node:fs';
import { quoteInput, UsageError } from '@mydocker/core';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * An env file's text, or one sentence saying why it cannot be one. Device files are refused before
 * reading (`/dev/zero` would never end); pipes are read, so `--env-file <(cmd)` works as in Docker.
 */
export function readEnvFile(file: string, what = 'env file'): string {
  const name = quoteInput(file);
  let buf: Buffer;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UsageError(`The ${what} ${name} is a directory: give a file of KEY=VALUE lines.`);
    if (st.isCharacterDevice() || st.isBlockDevice()) throw new UsageError(`The ${what} ${name} is a device, not a file of KEY=VALUE lines.`);
    buf = readFileSync(file);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`The ${what} ${name} does not exist.`);
    if (code === 'EACCES' || code === 'EPERM') throw new UsageError(`The ${what} ${name} cannot be read: permission denied.`);
    throw new UsageError(`The ${what} ${name} cannot be read (${code ?? (err as Error).message}).`);
  }
  // Docker refuses invalid UTF-8; a NUL byte is no text either (and could never reach execve intact).
  // Checked a line at a time: byte 0x0a never occurs inside a UTF-8 sequence, so lines split cleanly.
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  let start = 0;
  for (let line = 1; start <= buf.length; line++) {
    const nl = buf.indexOf(0x0a, start);
    const bytes = buf.subarray(start, nl === -1 ? buf.length : nl + 1);
    let bad = bytes.includes(0) ? 'a NUL byte' : undefined;
    if (!bad) {
      try {
        text += utf8.decode(bytes);
      } catch {
        bad = 'bytes that are not UTF-8';
      }
    }
    if (bad) throw new UsageError(`The ${what} ${name} is not a text file (line ${line} holds ${bad}): give a file of KEY=VALUE lines.`);
    if (nl === -1) break;
    start = nl + 1;
  }
  return text;
}

/**
 * Docker's rules: `-e KEY=VALUE` sets, `-e KEY` copies the caller's value (and is skipped when unset),
 * env files hold one entry a line, with comments and blank lines ignored. Only these reach the
 * container: the caller's environment never does on its own.
 */
export function resolveEnv(entries: string[], envFiles: string[], callerEnv: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  const add = (entry: string, where: string) => {
    const eq = entry.indexOf('=');
    const key = eq === -1 ? entry : entry.slice(0, eq);
    if (!KEY.test(key)) throw new UsageError(`Invalid environment variable ${quoteInput(entry)}${where}: use KEY=VALUE with a name of letters, digits and _.`);
    if (eq !== -1) out.push(entry);
    else if (callerEnv[key] !== undefined) out.push(`${key}=${callerEnv[key]}`);
  };
  for (const file of envFiles) {
    readEnvFile(file)
      .split('\n')
      .forEach((line, n) => {
        const trimmed = line.replace(/\r$/, '');
        if (trimmed.trim() === '' || trimmed.trimStart().startsWith('#')) return;
        add(trimmed.trimStart(), ` in ${quoteInput(file)} line ${n + 1}`);
      });
  }
  for (const entry of entries) add(entry, '');
  return out;
}
