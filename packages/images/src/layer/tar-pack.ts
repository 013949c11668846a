import { Header, Pax, type HeaderData } from 'tar';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { findOpaqueDirs, isWhiteoutStat } from '../util/fs';
import { opaqueTarPath, whiteoutTarPath } from './whiteouts';

export interface PackOptions {
  /** Layer mode: overlay whiteouts and opaque dirs become `.wh.` entries. Off for a flattened root. */
  layer: boolean;
}

function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}
function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}

function header(data: HeaderData): Buffer {
  const block = Buffer.alloc(512);
  const h = new Header(data);
  h.encode(block, 0);
  if (!h.needPax) return block;
  const pax = new Pax({ path: data.path, linkpath: data.linkpath, uid: data.uid, gid: data.gid, size: data.size, mtime: data.mtime }).encode();
  return Buffer.concat([pax, block]);
}

function padding(size: number): Buffer {
  const rest = size % 512;
  return Buffer.alloc(rest === 0 ? 0 : 512 - rest);
}

/**
 * A directory as a tar stream, written entry by entry with node-tar's Header/Pax encoders: node-tar's
 * own packer skips device files, and a layer needs its whiteouts (char 0:0) rewritten as `.wh.` names.
 * Entries are sorted and carry the files' own times, so the same tree always gives the same bytes
 * (and the same sha256).
 */
export function packDirectory(root: string, options: PackOptions): Readable {
  return Readable.from(generate(root, options), { objectMode: false });
}

async function* generate(root: string, options: PackOptions): AsyncGenerator<Buffer> {
  const opaque = options.layer ? await findOpaqueDirs(root) : new Set<string>();
  const links = new Map<string, string>();
  async function* walk(rel: string): AsyncGenerator<Buffer> {
    const names = (await readdir(rel ? join(root, rel) : root)).sort();
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      const abs = join(root, path);
      const st = await lstat(abs);
      const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000) };
      if (isWhiteoutStat(st)) {
        if (options.layer) yield header({ ...base, path: whiteoutTarPath(path), type: 'File', size: 0, mode: 0o644 });
        continue;
      }
      if (st.isDirectory()) {
        yield header({ ...base, path: `${path}/`, type: 'Directory', size: 0 });
        if (opaque.has(path)) yield header({ ...base, path: opaqueTarPath(path), type: 'File', size: 0, mode: 0o644 });
        yield* walk(path);
      } else if (st.isSymbolicLink()) {
        yield header({ ...base, path, type: 'SymbolicLink', size: 0, linkpath: await readlink(abs) });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(key) : undefined;
        if (first) {
          yield header({ ...base, path, type: 'Link', size: 0, linkpath: first });
          continue;
        }
        if (st.nlink > 1) links.set(key, path);
        yield header({ ...base, path, type: 'File', size: st.size });
        let written = 0;
        for await (const chunk of createReadStream(abs)) {
          const buf = chunk as Buffer;
          // A file that grew while being read is cut at the size the header promised.
          const part = written + buf.length > st.size ? buf.subarray(0, st.size - written) : buf;
          written += part.length;
          if (part.length) yield part;
          if (written >= st.size) break;
        }
        if (written < st.size) yield Buffer.alloc(st.size - written);
        yield padding(st.size);
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        yield header({
          ...base,
          path,
          type: st.isCharacterDevice() ? 'CharacterDevice' : 'BlockDevice',
          size: 0,
          devmaj: major(st.rdev),
          devmin: minor(st.rdev),
        } as HeaderData);
      } else if (st.isFIFO()) {
        yield header({ ...base, path, type: 'FIFO', size: 0 });
      }
      // Sockets cannot be archived; like docker, they are left out.
    }
  }
  if (opaque.has('')) yield header({ path: opaqueTarPath(''), type: 'File', size: 0, mode: 0o644, uid: 0, gid: 0, mtime: new Date(0) });
  yield* walk('');
  yield Buffer.alloc(1024);
}
