import { closeSync, write, writeSync } from 'node:fs';

/** A chunk this small is written at once on the calling thread: a trip through the thread pool costs more. */
export const SYNC_WRITE_MAX = 64 << 10;
/** Bytes queued for the thread pool before the writer is asked to pause (`write` returns false). */
export const QUEUED_BYTES_MAX = 8 << 20;
/** Files with queued writes (each holds an open fd) before the writer is asked to pause. */
export const QUEUED_FILES_MAX = 32;

/**
 * The extractor's file writes, off Node's main thread: the bytes of a big file go to the thread pool
 * (`fs.write`), one write after the other per file, while the main thread already parses and hashes
 * the next chunk of the archive (a profile of a pull had 0.48 s of the main thread in `writeSync`).
 * Everything else the extractor does stays synchronous and in the archive's order: only the bytes of
 * a file already created (O_EXCL|O_NOFOLLOW, by fd) are late, and an fd names its inode whatever
 * later entries do to the path, so no path is resolved later than before. A file's owner, mode and
 * times (`close`'s `finish`) are set after its last byte is written, and the fd is closed then.
 *
 * Backpressure: `write` returns false when more than QUEUED_BYTES_MAX bytes or QUEUED_FILES_MAX files
 * wait; the caller pauses its input until `room()` resolves. The first failed write is kept
 * (`failure`), reported once through `onError`, and every later write and finish is skipped.
 */
export class FileWrites {
  private queuedBytes = 0;
  /** fd → the last queued step for it; absent when nothing is queued (the fd is written at once). */
  private readonly tails = new Map<number, Promise<void>>();
  /** fds given to `opened` and not yet closed. */
  private readonly open = new Set<number>();
  private waiters: Array<() => void> = [];
  /** Set by `drain`: every fd is closed, so a late step must not touch one (its number may be reused). */
  private drained = false;
  failure: Error | undefined;

  constructor(private readonly onError: (err: Error) => void = () => undefined) {}

  /** Registers an fd this object must close if its file is never finished (the archive failed half-way). */
  opened(fd: number): void {
    this.open.add(fd);
  }

  /** Queues `chunk` after what `fd` has queued; returns whether the caller may go on without pausing. */
  write(fd: number, chunk: Buffer): boolean {
    if (this.failure || this.drained) return true;
    const tail = this.tails.get(fd);
    if (!tail && chunk.length < SYNC_WRITE_MAX) {
      writeAllSync(fd, chunk);
      return this.hasRoom();
    }
    this.queuedBytes += chunk.length;
    this.queue(fd, tail, () =>
      writeAll(fd, chunk).finally(() => {
        this.queuedBytes -= chunk.length;
      }),
    );
    return this.hasRoom();
  }

  /**
   * `finish` (which closes the fd) once every write queued for `fd` is done; at once when none is.
   * A synchronous `finish` throws to the caller, as the extractor's other steps do.
   */
  close(fd: number, finish: () => void): void {
    if (this.drained) return;
    const tail = this.tails.get(fd);
    if (!tail) {
      this.open.delete(fd);
      finish();
      return;
    }
    this.queue(fd, tail, async () => {
      this.open.delete(fd);
      finish();
    });
  }

  hasRoom(): boolean {
    return this.failure !== undefined || this.drained || (this.queuedBytes <= QUEUED_BYTES_MAX && this.tails.size <= QUEUED_FILES_MAX);
  }

  /** Resolves once `hasRoom()` (at once when it is already so, or after a failure). */
  room(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Waits for every queued step, then closes the fds of files never finished; later calls do nothing. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()]);
    this.drained = true;
    for (const fd of this.open) {
      try {
        closeSync(fd);
      } catch {
        // already closed by a finish that failed half-way
      }
    }
    this.open.clear();
  }

  private queue(fd: number, tail: Promise<void> | undefined, step: () => Promise<void>): void {
    const next: Promise<void> = (tail ?? Promise.resolve())
      .then(() => (this.failure ? undefined : step()))
      .catch((err: Error) => {
        if (this.failure) return;
        this.failure = err;
        this.onError(err);
      })
      .finally(() => {
        if (this.tails.get(fd) === next) this.tails.delete(fd);
        this.wake();
      });
    this.tails.set(fd, next);
  }

  private wake(): void {
    if (!this.hasRoom()) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

function writeAllSync(fd: number, chunk: Buffer): void {
  let off = 0;
  while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
}

function writeAll(fd: number, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const from = (off: number) =>
      write(fd, chunk, off, chunk.length - off, null, (err, n) => {
        if (err) return reject(err);
        if (off + n < chunk.length) return from(off + n);
        resolve();
      });
    from(0);
  });
}
