import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function rotatedNumbers(names: string[], base: string): number[] {
  const prefix = `${base}.`;
  return names
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .map((n) => Number(n.slice(prefix.length)))
    .filter((n) => n >= 1);
}

/** Synchronous: a container's directory holds a handful of names (an asynchronous call is a thread-pool round trip). */
async function namesIn(dir: string): Promise<string[]> {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Rotated files oldest first (path.N … path.1): the monitor renames path.(n-1) → path.n on rotation. */
export async function rotatedFiles(path: string): Promise<string[]> {
  const numbers = rotatedNumbers(await namesIn(dirname(path)), basename(path));
  return numbers.sort((a, b) => b - a).map((n) => `${path}.${n}`);
}

/** Every file of the log, oldest first, ending with the live file if it exists. */
export async function logFiles(path: string): Promise<string[]> {
  const names = await namesIn(dirname(path));
  const rotated = rotatedNumbers(names, basename(path))
    .sort((a, b) => b - a)
    .map((n) => `${path}.${n}`);
  return names.includes(basename(path)) ? [...rotated, path] : rotated;
}

/** Deletes the live file and every rotated one; nothing to delete is fine. */
export async function removeLogFiles(path: string): Promise<void> {
  for (const file of await logFiles(path)) rmSync(file, { force: true });
}

export function rotatedFile(path: string, n: number): string {
  return join(dirname(path), `${basename(path)}.${n}`);
}
