import { closeSync, constants, openSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { basename, dirname } from 'node:path';

/**
 * The monitor's attach socket speaks frames of 1 byte type, a big-endian u32 length and the payload
 * (the namespaces runtime's native/attach.c): from the monitor 1 stdout, 2 stderr, 3 the exit code; to it
 * 0 stdin, 1 the terminal size. This is the client side the Engine API needs to turn them into Docker's
 * stream format.
 */
export const FRAME_STDOUT = 1;
export const FRAME_STDERR = 2;
export const FRAME_EXIT = 3;
export const FRAME_STDIN = 0;
export const FRAME_RESIZE = 1;

export function encodeFrame(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

export function resizeFrame(rows: number, columns: number): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt16BE(Math.max(0, Math.min(rows, 0xffff)), 0);
  body.writeUInt16BE(Math.max(0, Math.min(columns, 0xffff)), 2);
  return encodeFrame(FRAME_RESIZE, body);
}

/** Reassembles frames from a byte stream that may split or join them anywhere. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<{ type: number; payload: Buffer }> {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: Array<{ type: number; payload: Buffer }> = [];
    while (this.buffer.length >= 5) {
      const len = this.buffer.readUInt32BE(1);
      if (this.buffer.length < 5 + len) break;
      frames.push({ type: this.buffer[0], payload: this.buffer.subarray(5, 5 + len) });
      this.buffer = this.buffer.subarray(5 + len);
    }
    return frames;
  }
}

/** Connects through /proc/self/fd/N/NAME: a container directory under a long root would not fit in sun_path. */
export function connectAttachSocket(path: string): Promise<Socket> {
  const dirFd = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect(`/proc/self/fd/${dirFd}/${basename(path)}`);
    // Once: an error may follow the connect (a reset), and the fd number may be someone else's by then.
    let open = true;
    const done = () => {
      if (open) closeSync(dirFd);
      open = false;
    };
    socket.once('connect', () => {
      done();
      resolve(socket);
    });
    socket.once('error', (err) => {
      done();
      reject(err);
    });
  });
}
