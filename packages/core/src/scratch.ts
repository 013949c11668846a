import { isProcessAlive, processStartTime } from './process';
import { randomHex } from './random';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Scratch folders (a download, a layer being extracted, an archive being loaded or copied) carry their
 * maker's pid and start time in their name, `KIND-PID-START-RANDOM`: `system prune` removes those whose
 * maker is gone (a killed pull or load) and leaves alone the one a running command still fills. In core
 * because every plugin that stages files under the root names them so.
 */
export function scratchName(prefix: string): string {
  return `${prefix}${process.pid}-${processStartTime(process.pid) ?? 0}-${randomHex(6)}`;
}

/** Whether the scratch named `name` (made by scratchName with `prefix`) belongs to a process that is gone. */
export function isOrphanScratch(name: string, prefix: string): boolean {
  if (!name.startsWith(prefix)) return false;
  // "[kind-]PID-START-RANDOM" (scratchName), whatever kind the caller put before the owner.
  const m = /^(?:[a-z]+-)?(\d+)-(\d+)-[0-9a-f]{12}$/.exec(name.slice(prefix.length));
  // Older names had no owner: nobody can be filling them any more after an upgrade.
  if (!m) return true;
  const start = Number(m[2]);
  return !isProcessAlive(Number(m[1]), start === 0 ? undefined : start);
}

/** Removes the orphaned scratch directories under `dir`; returns their names. */
export async function removeOrphanScratch(dir: string, prefix: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!isOrphanScratch(name, prefix)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
