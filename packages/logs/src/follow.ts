import { open, stat, type FileHandle } from 'node:fs/promises';
import { sleep } from '@mydocker/core';
import { LogDecoder } from './decoder';
import { rotatedFiles } from './files';
import { LineFilter, readFrom, readWholeFile, type LineSink, type ReadOptions } from './reader';

export interface FollowOptions extends ReadOptions {
  /** True while the container may still write. */
  isAlive: () => Promise<boolean>;
  /** Called once the container is gone, before the last read (e.g. wait for the monitor to flush). */
  settle?: () => Promise<void>;
  pollMs?: number;
}

interface Live {
  handle: FileHandle;
  ino: number;
  position: number;
}

async function openLive(path: string): Promise<Live | undefined> {
  try {
    const handle = await open(path, 'r');
    return { handle, ino: (await handle.stat()).ino, position: 0 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function inode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).ino;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * `logs -f`: the history, then the live file as it grows. The live file is read through a handle, so
 * when the monitor renames it away the handle still reaches its last bytes; the files rotated after
 * it (found by inode) are read next, then the new live file. Ends when the container is gone.
 */
export async function followLog(path: string, options: FollowOptions, sink: LineSink): Promise<void> {
  const filter = new LineFilter(options, sink);
  const decoder = new LogDecoder((line) => filter.accept(line));
  const pollMs = options.pollMs ?? 100;
  let live = await openLive(path);
  try {
    for (const file of await rotatedFiles(path)) {
      if ((await inode(file)) === live?.ino) break; // rotated between open and listing: the loop below reads it
      await readWholeFile(file, decoder, options.afterChunk);
    }
    if (live) live.position = await readFrom(live.handle, 0, decoder, options.afterChunk);
    filter.endOfHistory();

    /** Notices a rotation (or the first file appearing) and reads what was written around it. */
    const switchFiles = async (): Promise<boolean> => {
      const current = await inode(path);
      if (live && current === live.ino) return false;
      if (!live) {
        if (current === undefined) return false;
        live = await openLive(path);
        return live !== undefined;
      }
      const old = live;
      old.position = await readFrom(old.handle, old.position, decoder, options.afterChunk);
      decoder.dropTorn();
      const rotated = await rotatedFiles(path);
      const inodes = await Promise.all(rotated.map(inode));
      const index = inodes.indexOf(old.ino);
      await old.handle.close();
      live = undefined;
      if (index >= 0) for (const file of rotated.slice(index + 1)) await readWholeFile(file, decoder, options.afterChunk);
      live = await openLive(path);
      return true;
    };

    let stopping = false;
    for (;;) {
      const before = live?.position ?? 0;
      if (live) live.position = await readFrom(live.handle, live.position, decoder, options.afterChunk);
      const grew = (live?.position ?? 0) !== before;
      const switched = await switchFiles();
      if (grew || switched) continue;
      if (stopping) break;
      if (!(await options.isAlive())) {
        await options.settle?.();
        stopping = true; // one more pass for what was written while the container ended
        continue;
      }
      await sleep(pollMs);
    }
    decoder.dropTorn();
    decoder.flush();
  } finally {
    await (live as Live | undefined)?.handle.close();
  }
}
