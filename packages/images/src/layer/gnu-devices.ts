import { Header } from 'tar';

const GNU_MAGIC = 'ustar  \0';
let installed = false;

/**
 * node-tar reads device numbers only from POSIX ustar headers ("ustar\000"); GNU tar's default
 * format ("ustar  \0") keeps them at the same offsets (329 and 337, octal), so without this a GNU
 * `c 1:3` would come out as `c 0:0`, which overlay reads as a whiteout that silently hides the path.
 * node-tar has no hook for the raw header block, so its decoder is wrapped once, process-wide.
 */
export function readGnuDeviceNumbers(): void {
  if (installed) return;
  installed = true;
  const proto = Header.prototype as unknown as { decode: (buf: Buffer, off: number, ex?: unknown, gex?: unknown) => void };
  const decode = proto.decode;
  proto.decode = function (this: Header, buf: Buffer, off: number, ex?: unknown, gex?: unknown): void {
    decode.call(this, buf, off, ex, gex);
    const at = off || 0;
    if (buf.subarray(at + 257, at + 265).toString('latin1') !== GNU_MAGIC) return;
    if (this.type !== 'CharacterDevice' && this.type !== 'BlockDevice') return;
    const pax = ex as { devmaj?: number; devmin?: number } | undefined;
    this.devmaj = pax?.devmaj ?? octal(buf, at + 329, 8);
    this.devmin = pax?.devmin ?? octal(buf, at + 337, 8);
  };
}

/** A NUL/space-terminated octal field, or GNU's base-256 form (high bit set) for large numbers. */
export function octal(buf: Buffer, off: number, size: number): number {
  const field = buf.subarray(off, off + size);
  if (field[0] & 0x80) {
    let n = field[0] & 0x7f;
    for (let i = 1; i < size; i++) n = n * 256 + field[i];
    return n;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8) || 0;
}
