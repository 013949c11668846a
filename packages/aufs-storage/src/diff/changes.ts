import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** One line of `docker diff`: A (added), C (changed), D (deleted), and the path inside the container. */
export interface Change {
  kind: 'A' | 'C' | 'D';
  path: string;
}

/**
 * The changes a container layer holds, read from its diff in overlay format (core's StorageDriver.diff):
 * a character device 0:0 is a deleted path; an entry that one of the image's layers also has is changed,
 * any other is added (and so is everything below an added directory). Nothing is followed: every entry
 * is lstat'ed, so a symlink in the layer is a change like any other file.
 */
export async function layerChanges(diffDir: string, lowerExists: (path: string) => Promise<boolean>, skip: Set<string> = new Set()): Promise<Change[]> {
  const changes: Change[] = [];
  const walk = async (dir: string, prefix: string, added: boolean): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = `${prefix}/${name}`;
      if (skip.has(path)) continue;
      const st = await lstat(join(dir, name));
      if (st.isCharacterDevice() && st.rdev === 0) {
        changes.push({ kind: 'D', path });
        continue;
      }
      const isAdded = added || !(await lowerExists(path));
      changes.push({ kind: isAdded ? 'A' : 'C', path });
      if (st.isDirectory()) await walk(join(dir, name), path, isAdded);
    }
  };
  await walk(diffDir, '', false);
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Whether `path` exists (without following its last component) in any of the layer directories. */
export function inLayers(layerDirs: string[]): (path: string) => Promise<boolean> {
  return async (path) => {
    for (const dir of layerDirs) {
      try {
        await lstat(join(dir, path));
        return true;
      } catch {
        // not in this layer
      }
    }
    return false;
  };
}
