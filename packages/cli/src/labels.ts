import { quoteInput, UsageError } from '@mydocker/core';
import { readEnvFile } from './env';

/**
 * Docker's `--label KEY=VALUE` and `--label-file FILE` (one label a line; blank lines and `#` comments
 * skipped): files first, then the flags, a later KEY replacing an earlier one. A bare KEY is KEY with an
 * empty value, as in Docker. Returned as KEY=VALUE entries in that order.
 */
export function resolveLabels(entries: string[], files: string[]): string[] {
  const labels = new Map<string, string>();
  const add = (entry: string, where: string) => {
    const eq = entry.indexOf('=');
    const key = eq === -1 ? entry : entry.slice(0, eq);
    if (key.trim() === '') throw new UsageError(`Invalid label ${quoteInput(entry)}${where}: use KEY=VALUE with a non-empty KEY.`);
    labels.set(key, eq === -1 ? '' : entry.slice(eq + 1));
  };
  for (const file of files) {
    readEnvFile(file, 'label file')
      .split('\n')
      .forEach((line, n) => {
        const trimmed = line.replace(/\r$/, '');
        if (trimmed.trim() === '' || trimmed.trimStart().startsWith('#')) return;
        add(trimmed.trimStart(), ` in ${quoteInput(file)} line ${n + 1}`);
      });
  }
  for (const entry of entries) add(entry, '');
  return [...labels].map(([k, v]) => `${k}=${v}`);
}

/** KEY=VALUE entries (as resolveLabels made them) → Docker's Labels object. */
export function labelMap(entries: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries ?? []) {
    const eq = e.indexOf('=');
    out[eq === -1 ? e : e.slice(0, eq)] = eq === -1 ? '' : e.slice(eq + 1);
  }
  return out;
}
