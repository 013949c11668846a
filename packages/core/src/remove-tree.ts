import { lstatSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** How many entries are removed between two turns of the event loop. */
const ENTRIES_PER_TURN = 256;

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const codeOf = (err: unknown) => (err as NodeJS.ErrnoException).code;

/**
 * `rm -rf PATH` as `fs.promises.rm(path, { recursive: true, force: true })` does it (symbolic links are
 * removed, never followed; nothing there is fine), with synchronous calls: a container's layer or record
 * directory holds a few dozen entries, each a few microseconds to remove that way, where Node's
 * asynchronous removal makes two or three thread-pool round trips per entry (a `--rm` layer: ~13 ms).
 * A large tree (a container that wrote many files) does not hold the event loop: it yields every
 * ENTRIES_PER_TURN entries, so a long-running process (the Engine API service) keeps answering.
 */
export async function removeTree(path: string): Promise<void> {
  let removed = 0;
  const tick = async () => {
    if (++removed % ENTRIES_PER_TURN === 0) await yieldTurn();
  };
  const remove = async (target: string, isDir: boolean, retried = false): Promise<void> => {
    if (isDir) {
      let entries;
      try {
        entries = readdirSync(target, { withFileTypes: true });
      } catch (err) {
        if (codeOf(err) === 'ENOENT') return;
        if (codeOf(err) !== 'ENOTDIR' || retried) throw err;
        return remove(target, false, true);
      }
      for (const entry of entries) await remove(join(target, entry.name), entry.isDirectory());
      try {
        rmdirSync(target);
      } catch (err) {
        if (codeOf(err) !== 'ENOENT') throw err;
      }
    } else {
      try {
        unlinkSync(target);
      } catch (err) {
        const code = codeOf(err);
        if (code === 'ENOENT') return;
        // A directory after all (the entry's type was unknown to the file system, or it changed).
        if (code === 'EISDIR' && !retried) return remove(target, true, true);
        throw err;
      }
    }
    await tick();
  };
  let isDir: boolean;
  try {
    isDir = lstatSync(path).isDirectory();
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return;
    throw err;
  }
  await remove(path, isDir);
}
