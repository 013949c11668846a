import { UsageError } from '@mydocker/core';
import { statSync } from 'node:fs';
import { dirname, isAbsolute, normalize } from 'node:path';

export interface LogSettings {
  /** Bytes before rotation; 0 = never rotate. */
  maxSize: number;
  /** Files kept including the live one. */
  maxFiles: number;
  /** `--log-opt path=FILE` (Podman's, k8s-file only): where the log goes instead of the container's directory. */
  path?: string;
}

/** The log drivers: Podman's k8s-file (the default), Docker's json-file, and none (nothing kept). */
export const LOG_DRIVERS = ['k8s-file', 'json-file', 'none'] as const;
export type LogDriver = (typeof LOG_DRIVERS)[number];

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
    } else if (key === 'path') {
      settings.path = logPath(value);
    } else {
      throw new UsageError(`Unknown log option "${key}": the supported ones are max-size, max-file and path.`);
    }
  }
  return settings;
}

/** A log file the user names: absolute, in an existing directory, and not itself a directory. */
function logPath(value: string): string {
  if (!isAbsolute(value)) throw new UsageError(`Invalid --log-opt path "${value}": give an absolute file path.`);
  const path = normalize(value);
  const kind = (p: string) => {
    try {
      return statSync(p).isDirectory() ? 'dir' : 'file';
    } catch {
      return 'missing';
    }
  };
  if (kind(dirname(path)) !== 'dir') throw new UsageError(`Invalid --log-opt path "${value}": the directory ${dirname(path)} does not exist.`);
  if (kind(path) === 'dir') throw new UsageError(`Invalid --log-opt path "${value}": it is a directory; give a file path.`);
  return path;
}

/** `--log-driver` and `--log-opt` together, with Docker's refusals for a driver that does not take an option. */
export function parseLogConfig(driver: string | undefined, entries: string[]): { driver: LogDriver; settings: LogSettings } {
  const name = driver ?? 'k8s-file';
  if (!(LOG_DRIVERS as readonly string[]).includes(name)) {
    throw new UsageError(`Unknown log driver "${name}": the installed ones are ${LOG_DRIVERS.join(', ')}.`);
  }
  if (name === 'none' && entries.length > 0) throw new UsageError('The none log driver takes no --log-opt: it keeps no log.');
  const settings = parseLogOpts(entries);
  if (name === 'json-file' && settings.path !== undefined)
    throw new UsageError('Unknown log opt "path" for the json-file log driver (it is a k8s-file option).');
  return { driver: name as LogDriver, settings };
}
