/**
 * The first entry of a tar stream, as Docker's `X-Docker-Container-Path-Stat` header describes a path
 * (name, size, Go's FileMode bits, mtime, link target): the archive endpoints learn it from the tar the
 * `cp` command writes, so the stat and the copy read the container's filesystem the same way.
 */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

const GO_MODE_DIR = 2 ** 31;
const GO_MODE_SYMLINK = 2 ** 27;

const field = (b: Buffer, start: number, len: number) =>
  b
    .subarray(start, start + len)
    .toString('utf8')
    .replace(/\0.*$/s, '');
const octal = (b: Buffer, start: number, len: number) => parseInt(field(b, start, len).trim() || '0', 8);

/** Parses the first regular header of `buf` (skipping pax/GNU long-name records); undefined until enough bytes came. */
export function firstEntryStat(buf: Buffer): PathStat | undefined {
  let off = 0;
  let longName: string | undefined;
  while (buf.length >= off + 512) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) return undefined;
    const type = String.fromCharCode(h[156] || 48);
    const size = octal(h, 124, 12);
    const dataEnd = off + 512 + Math.ceil(size / 512) * 512;
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (buf.length < dataEnd) return undefined;
      if (type === 'L')
        longName = buf
          .subarray(off + 512, off + 512 + size)
          .toString('utf8')
          .replace(/\0+$/, '');
      if (type === 'x') {
        const path = /\d+ path=([^\n]*)\n/.exec(buf.subarray(off + 512, off + 512 + size).toString('utf8'));
        if (path) longName = path[1];
      }
      off = dataEnd;
      continue;
    }
    const prefix = field(h, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    const perm = octal(h, 100, 8) & 0o7777;
    const mode = type === '5' ? perm + GO_MODE_DIR : type === '2' ? perm + GO_MODE_SYMLINK : perm;
    return {
      name: name.replace(/\/+$/, '').split('/').pop() ?? name,
      size: type === '0' || type === '\0' ? size : 0,
      mode,
      mtime: new Date(octal(h, 136, 12) * 1000).toISOString(),
      linkTarget: type === '2' ? field(h, 157, 100) : '',
    };
  }
  return undefined;
}
