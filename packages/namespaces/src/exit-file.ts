import { readFileSync } from 'node:fs';
import type { ExitStatus } from '@mydocker/core';

/** The monitor's `{"code":N,"signal":S}` record of how PID 1 ended; undefined when absent or unreadable. */
export function readExitFile(path: string): ExitStatus | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  const { code, signal } = (parsed ?? {}) as { code?: unknown; signal?: unknown };
  if (typeof code !== 'number' || !Number.isInteger(code)) return undefined;
  return typeof signal === 'number' && signal > 0 ? { code, signal } : { code };
}
