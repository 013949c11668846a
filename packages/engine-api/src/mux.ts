/**
 * Docker's multiplexed stream (stdcopy): each chunk is preceded by 8 bytes, the stream (0 stdin,
 * 1 stdout, 2 stderr, 3 system error), three zero bytes and the payload length (big-endian u32). Used
 * for attach, logs and exec output of containers without a TTY; with a TTY the bytes go raw.
 */
export function muxFrame(stream: 0 | 1 | 2 | 3, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(payload.length, 4);
  return Buffer.concat([head, payload]);
}
