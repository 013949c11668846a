import { Parser, type ReadEntry } from 'tar';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { PassThrough, Transform, Writable, type Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { FileWrites } from './file-writes';
import { readGnuDeviceNumbers } from './gnu-devices';
import { entryComponents, LayerRoot, printable } from './layer-root';
import { classifyTarPath } from './whiteouts';

export interface ExtractResult {
  /** sha256 (hex) of the uncompressed tar: the layer's diff id. */
  digest: string;
  bytes: number;
}

export interface ExtractOptions {
  /**
   * Layer mode (default): `.wh.` names become overlay whiteouts and opaque marks, device nodes are kept.
   * Off for an archive that is only a container of files (a `docker save` archive): no devices.
   */
  layer?: boolean;
  onBytes?: (n: number) => void;
}

const GUNZIP_CHUNK = 1 << 20;

/**
 * An input whose chunks may be filled again once read (the pull's LayerFeed, which gathers the
 * network's bytes into a few reused buffers): `recycle(chunk)` is called when gunzip has consumed
 * `chunk` to its last byte and keeps no reference to it. Only the compressed side is recycled: the
 * bytes of a plain tar end up in the parser's entries and queued file writes.
 */
export interface Recyclable {
  recycle(chunk: Buffer): void;
}

/** A writable into `gunzip` that hands each chunk to `recycle` once zlib has read all of it. */
function recyclingInto(gunzip: Gunzip, recycle: (chunk: Buffer) => void): Writable {
  return new Writable({
    highWaterMark: 0,
    write(chunk: Buffer, _enc, cb) {
      // A Transform calls a write's callback once its _transform consumed the chunk; zlib's
      // _transform does so when its input is used up (it drops its reference to the chunk then).
      gunzip.write(chunk, (err) => {
        if (!err) recycle(chunk);
        cb(err ?? null);
      });
    },
    final(cb) {
      gunzip.end();
      cb();
    },
  });
}
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const NODE_TYPES: Record<string, 'c' | 'b' | 'p'> = { CharacterDevice: 'c', BlockDevice: 'b', FIFO: 'p' };

/** What applying one archive's entries needs: the pinned root, the queued writes, the first failure. */
interface Applier {
  root: LayerRoot;
  writes: FileWrites;
  layer: boolean;
  /** Directories whose times are set last (their files' creation would change them again). */
  dirs: Array<{ parts: string[]; mtime: Date }>;
  failed: () => Error | undefined;
  fail: (err: Error) => void;
}

/** A regular file: created now (O_EXCL|O_NOFOLLOW), its bytes queued, owner/mode/times after the last one. */
function applyFile(a: Applier, entry: ReadEntry, parts: string[], mode: number, uid: number, gid: number, mtime: Date | undefined): void {
  const fd = a.root.createFile(parts);
  a.writes.opened(fd);
  entry.on('data', (chunk: Buffer) => {
    if (a.failed()) return;
    try {
      // Too much queued: this entry (and so the parser, and the stream feeding it) waits.
      if (!a.writes.write(fd, chunk)) {
        entry.pause();
        void a.writes.room().then(() => entry.resume());
      }
    } catch (err) {
      a.fail(err as Error);
    }
  });
  entry.on('end', () => {
    try {
      a.writes.close(fd, () => a.root.finishFile(fd, mode, uid, gid, mtime));
    } catch (err) {
      a.fail(err as Error);
    }
  });
}

/** One tar entry, applied synchronously and in the archive's order by LayerRoot. */
function applyEntry(a: Applier, entry: ReadEntry): void {
  const { root, layer } = a;
  const uid = entry.uid ?? 0;
  const gid = entry.gid ?? 0;
  const mode = entry.mode ?? 0o644;
  const mtime = entry.mtime ?? undefined;
  const parts = entryComponents(entry.path);
  if (layer) {
    const kind = classifyTarPath(parts.join('/'));
    if (kind?.kind === 'whiteout') return root.whiteout(entryComponents(kind.path));
    if (kind?.kind === 'opaque') return root.opaque(entryComponents(kind.dir));
    if (kind) return;
  }
  if (entry.type === 'Directory') {
    // An archive that is not a layer is unpacked into our own scratch, whose mode it must not set.
    if (!layer && parts.length === 0) return;
    root.mkdir(parts, mode, uid, gid);
    if (mtime) a.dirs.push({ parts, mtime });
    return;
  }
  if (FILE_TYPES.has(entry.type)) return applyFile(a, entry, parts, mode, uid, gid, mtime);
  if (entry.type === 'SymbolicLink') return root.symlink(parts, entry.linkpath ?? '', uid, gid, mtime);
  if (entry.type === 'Link') return root.hardlink(parts, entryComponents(entry.linkpath ?? ''));
  const node = NODE_TYPES[entry.type];
  if (node && layer) return root.node(parts, node, entry.header.devmaj ?? 0, entry.header.devmin ?? 0, mode, uid, gid);
  if (node) throw new Error(`the archive holds the device or FIFO "${printable(entry.path)}", which only a layer may`);
  // Anything else (GNU volume labels, unknown types) carries nothing to write.
}

/**
 * Feeds `input` (gzip detected by its magic number, as docker does for layer blobs) through `plain`
 * into `parser`; resolves when the parser has seen the archive's end.
 */
function feedParser(input: Readable, plain: PassThrough, parser: Parser, onBytes?: (n: number) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', reject);
    plain.on('error', reject);
    input.on('error', reject);
    // An input that failed or closed before this listened (a download cut at once) says so no more.
    if (input.destroyed) return reject(input.errored ?? new Error('the input was closed before it was read'));
    void peek(input).then((head) => {
      const gzipped = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
      const counted = onBytes
        ? input.pipe(
            new Transform({
              transform(chunk: Buffer, _enc, cb) {
                onBytes(chunk.length);
                cb(null, chunk);
              },
            }),
          )
        : input;
      // 1 MiB out of zlib instead of its 16 KiB default: each chunk then costs one trip through the
      // hash, the tar parser and one write(2) per 1 MiB rather than per 16 KiB.
      if (gzipped) {
        const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK }).on('error', (e) => plain.destroy(e));
        const recycle = (input as Readable & Partial<Recyclable>).recycle;
        if (recycle) counted.pipe(recyclingInto(gunzip, recycle).on('error', (e) => plain.destroy(e)));
        else counted.pipe(gunzip);
        gunzip.pipe(plain);
      } else counted.pipe(plain);
      plain.pipe(parser as unknown as NodeJS.WritableStream);
    }, reject);
  });
}

/**
 * Extracts a tar (plain or gzip) into `target`, hashing the uncompressed bytes as they pass. Entries
 * are applied in order, synchronously, by LayerRoot, which resolves every path inside `target` without
 * following any symlink (see layer-root.ts for why this and not node-tar's Unpack); an entry that would
 * reach outside refuses the whole archive.
 */
export async function extractLayer(input: Readable, target: string, options: ExtractOptions | ((n: number) => void) = {}): Promise<ExtractResult> {
  const opts: ExtractOptions = typeof options === 'function' ? { onBytes: options } : options;
  readGnuDeviceNumbers();
  await mkdir(target, { recursive: true });
  const hash = createHash('sha256');
  let bytes = 0;
  const parser = new Parser({ strict: true });
  const plain = new PassThrough();
  let failed: Error | undefined;
  const fail = (err: Error) => {
    failed ??= err;
    plain.destroy(err);
  };
  // Files' bytes are written off the main thread, each file's in order (see file-writes.ts).
  const a: Applier = { root: new LayerRoot(target), writes: new FileWrites(fail), layer: opts.layer ?? true, dirs: [], failed: () => failed, fail };
  parser.on('entry', (entry: ReadEntry) => {
    if (failed) return entry.resume();
    try {
      applyEntry(a, entry);
    } catch (err) {
      fail(err as Error);
    }
    if (!entry.listenerCount('data')) entry.resume();
  });
  plain.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  try {
    try {
      await feedParser(input, plain, parser, opts.onBytes);
    } catch (err) {
      // The input failed (a download that stopped, a feed abandoned): whatever the parser still holds
      // must not be applied, above all once the fds below are closed and their numbers reused.
      failed ??= err as Error;
      plain.destroy();
      throw err;
    }
    await a.writes.drain();
    if (failed) throw failed;
    if (bytes === 0) throw new Error('the archive is empty');
    for (const d of a.dirs.reverse()) a.root.dirTimes(d.parts, d.mtime);
  } finally {
    // Nothing may still write into the target once the caller sees the result (it may remove it).
    await a.writes.drain();
    a.root.close();
  }
  return { digest: hash.digest('hex'), bytes };
}

/** Resolves with the first chunk without consuming it (it is unshifted back). */
function peek(input: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const onReadable = () => {
      const chunk = input.read() as Buffer | null;
      if (chunk === null) return;
      cleanup();
      input.unshift(chunk);
      resolve(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.alloc(0));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onClose = () => {
      cleanup();
      reject(input.errored ?? new Error('the input was closed before it was read'));
    };
    const cleanup = () => {
      input.off('readable', onReadable);
      input.off('end', onEnd);
      input.off('error', onError);
      input.off('close', onClose);
    };
    input.on('readable', onReadable);
    input.on('end', onEnd);
    input.on('error', onError);
    input.on('close', onClose);
  });
}
