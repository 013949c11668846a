import { readFileSync } from 'node:fs';
import { UsageError } from '@mydocker/core';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

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
    if (!KEY.test(key)) throw new UsageError(`Invalid environment variable "${entry}"${where}: use KEY=VALUE with a name of letters, digits and _.`);
    if (eq !== -1) out.push(entry);
    else if (callerEnv[key] !== undefined) out.push(`${key}=${callerEnv[key]}`);
  };
  for (const file of envFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`Cannot read the env file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
    text.split('\n').forEach((line, n) => {
      const trimmed = line.replace(/\r$/, '');
      if (trimmed.trim() === '' || trimmed.trimStart().startsWith('#')) return;
      add(trimmed.trimStart(), ` in ${file} line ${n + 1}`);
    });
  }
  for (const entry of entries) add(entry, '');
  return out;
}
