import { Writable } from 'node:stream';
import { muxFrame } from './mux';

/**
 * A stream that a command writes to as if it were a terminal's stdout or stderr, whose bytes reach the
 * client as Docker's frames of `stream` (or raw, for a TTY container). It waits while the client's
 * connection is full, and fails once the client is gone, so a following command stops.
 */
export function muxWritable(out: NodeJS.WritableStream, stream: 1 | 2, raw: boolean): Writable {
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (chunk.length === 0) return cb();
      const ok = out.write(raw ? chunk : muxFrame(stream, chunk));
      if (ok) cb();
      else out.once('drain', () => cb());
    },
  });
  return w;
}

/** A stream that swallows what it is given (the stdout or stderr the client did not ask for). */
export function discard(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}
