import { UsageError } from '@mydocker/core';

export interface LogSettings {
  /** Bytes before rotation; 0 = never rotate. */
  maxSize: number;
  /** Files kept including the live one. */
  maxFiles: number;
}

/** Docker does not cap logs by default; a container that prints forever should not fill the disk. */
export const DEFAULT_LOG_SETTINGS: LogSettings = { maxSize: 10 * 1024 * 1024, maxFiles: 3 };

const UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "10m", "512k", "1g", "100" (bytes); "kb"/"KiB" spellings too, as Docker's go-units accepts them. -1 = unlimited. */
export function parseSize(value: string): number | undefined {
  if (value.trim() === '-1') return 0;
  const m = /^(\d+(?:\.\d+)?)\s*(?:([bkmg])(?:i?b)?)?$/i.exec(value.trim());
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** `--log-opt KEY=VALUE` entries (later ones win, as Docker's map does). */
export function parseLogOpts(entries: string[], defaults: LogSettings = DEFAULT_LOG_SETTINGS): LogSettings {
  const settings = { ...defaults };
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid --log-opt "${entry}": use KEY=VALUE, e.g. max-size=10m.`);
    const key = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    if (key === 'max-size') {
      const size = parseSize(value);
      if (size === undefined) throw new UsageError(`Invalid --log-opt max-size "${value}": use a positive size such as 500k, 10m or 1g, or -1 for no limit.`);
      settings.maxSize = size;
    } else if (key === 'max-file') {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1000) {
        throw new UsageError(`Invalid --log-opt max-file "${value}": use a whole number from 1 to 1000.`);
      }
      settings.maxFiles = Number(value);
    } else {
      throw new UsageError(`Unknown log option "${key}": the supported ones are max-size and max-file.`);
    }
  }
  return settings;
}
