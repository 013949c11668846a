import { randomHex } from '@mydocker/core';
import { closeSync, fsync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';

const fsyncAsync = promisify(fsync);

/** Writes in flight per path: a later write to one file lands after an earlier one, as they were called. */
const inFlight = new Map<string, Promise<void>>();

/**
 * Replaces `path` atomically: a temporary file beside it (exclusive create, mode 0600), the data, an
 * fsync when `durable` (then a power loss leaves the old or the new content, never a torn one), a rename.
 * write-file-atomic's sequence, with synchronous calls for the small steps (a record is a few KiB: each
 * call is microseconds, where an asynchronous one is a thread-pool round trip); only the fsync, which
 * waits for the disk, runs on the thread pool, so a long-running process keeps answering meanwhile.
 */
export function writeFileAtomic(path: string, data: string, durable: boolean): Promise<void> {
  const previous = inFlight.get(path) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => write(path, data, durable));
  inFlight.set(path, next);
  const forget = () => {
    if (inFlight.get(path) === next) inFlight.delete(path);
  };
  next.then(forget, forget);
  return next;
}

async function write(path: string, data: string, durable: boolean): Promise<void> {
  const temp = `${path}.${process.pid}.${randomHex(4)}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  let closed = false;
  try {
    writeAll(fd, Buffer.from(data));
    if (durable) await fsyncAsync(fd);
    closeSync(fd);
    closed = true;
    renameSync(temp, path);
  } catch (err) {
    if (!closed) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // Not there.
    }
    throw err;
  }
}

function writeAll(fd: number, buffer: Buffer): void {
  for (let offset = 0; offset < buffer.length;) offset += writeSync(fd, buffer, offset);
}
