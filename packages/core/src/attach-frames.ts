/**
 * The attach socket's wire format, part of the runtime's `attachSocket` contract (the built-in runtime's
 * monitor speaks it in native/attach.c; the CLI's `attach` and the Engine API are its clients):
 * 1 byte type, 4 bytes big-endian length, payload.
 * From the monitor: 1 stdout, 2 stderr, 3 exit (the code in decimal). To it: 0 stdin, 1 terminal size,
 * 2 end of input (empty: the container's stdin pipe is closed once the input before it is written).
 */
export const FRAME_STDOUT = 1;
export const FRAME_STDERR = 2;
export const FRAME_EXIT = 3;
export const FRAME_STDIN = 0;
export const FRAME_RESIZE = 1;
export const FRAME_STDIN_END = 2;

export interface Frame {
  type: number;
  payload: Buffer;
}

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
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buffer.length >= 5) {
      const len = this.buffer.readUInt32BE(1);
      if (this.buffer.length < 5 + len) break;
      frames.push({ type: this.buffer[0], payload: this.buffer.subarray(5, 5 + len) });
      this.buffer = this.buffer.subarray(5 + len);
    }
    return frames;
  }
}
