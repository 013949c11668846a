import { closeSync, openSync, readSync } from 'node:fs';

/**
 * `bytes` random bytes as hex, read from the kernel's /dev/urandom (the source node:crypto's randomBytes
 * uses too). Loading node:crypto costs ~8 ms, 17 of Node's internal modules, on every command that wants
 * nothing of it but an id; the other crypto users (digests) require it when they hash.
 */
export function randomHex(bytes: number): string {
  const buf = Buffer.alloc(bytes);
  let fd: number | undefined;
  try {
    fd = openSync('/dev/urandom', 'r');
    let read = 0;
    while (read < bytes) {
      const n = readSync(fd, buf, read, bytes - read, null);
      if (n <= 0) throw new Error('short read from /dev/urandom');
      read += n;
    }
    return buf.toString('hex');
  } catch {
    // No /dev/urandom (an unusual chroot): the same bytes through OpenSSL.
    return (require('node:crypto') as typeof import('node:crypto')).randomBytes(bytes).toString('hex');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A SHA-256 hash object; node:crypto is loaded on the first one (see randomHex for why not before). */
export function newSha256(): import('node:crypto').Hash {
  return (require('node:crypto') as typeof import('node:crypto')).createHash('sha256');
}
