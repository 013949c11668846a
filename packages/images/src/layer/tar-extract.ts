import { Parser, type ReadEntry } from 'tar';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
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
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const NODE_TYPES: Record<string, 'c' | 'b' | 'p'> = { CharacterDevice: 'c', BlockDevice: 'b', FIFO: 'p' };

/**
 * Extracts a tar (plain or gzip) into `target`, hashing the uncompressed bytes as they pass. Entries
 * are applied in order, synchronously, by LayerRoot, which resolves every path inside `target` without
 * following any symlink (see layer-root.ts for why this and not node-tar's Unpack); an entry that would
 * reach outside refuses the whole archive.
 */
export async function extractLayer(input: Readable, target: string, options: ExtractOptions | ((n: number) => void) = {}): Promise<ExtractResult> {
  const opts: ExtractOptions = typeof options === 'function' ? { onBytes: options } : options;
  const layer = opts.layer ?? true;
  readGnuDeviceNumbers();
  await mkdir(target, { recursive: true });
  const root = new LayerRoot(target);
  const hash = createHash('sha256');
  let bytes = 0;
  const dirs: Array<{ parts: string[]; mtime: Date }> = [];
  const parser = new Parser({ strict: true });
  let failed: Error | undefined;
  const fail = (err: Error) => {
    failed ??= err;
    plain.destroy(err);
  };
  // Files' bytes are written off the main thread, each file's in order (see file-writes.ts).
  const writes = new FileWrites(fail);

  const apply = (entry: ReadEntry): void => {
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
      if (mtime) dirs.push({ parts, mtime });
      return;
    }
    if (FILE_TYPES.has(entry.type)) {
      const fd = root.createFile(parts);
      writes.opened(fd);
      entry.on('data', (chunk: Buffer) => {
        if (failed) return;
        try {
          // Too much queued: this entry (and so the parser, and the stream feeding it) waits.
          if (!writes.write(fd, chunk)) {
            entry.pause();
            void writes.room().then(() => entry.resume());
          }
        } catch (err) {
          fail(err as Error);
        }
      });
      entry.on('end', () => {
        try {
          writes.close(fd, () => root.finishFile(fd, mode, uid, gid, mtime));
        } catch (err) {
          fail(err as Error);
        }
      });
      return;
    }
    if (entry.type === 'SymbolicLink') return root.symlink(parts, entry.linkpath ?? '', uid, gid, mtime);
    if (entry.type === 'Link') return root.hardlink(parts, entryComponents(entry.linkpath ?? ''));
    const node = NODE_TYPES[entry.type];
    if (node && layer) return root.node(parts, node, entry.header.devmaj ?? 0, entry.header.devmin ?? 0, mode, uid, gid);
    if (node) throw new Error(`the archive holds the device or FIFO "${printable(entry.path)}", which only a layer may`);
    // Anything else (GNU volume labels, unknown types) carries nothing to write.
  };

  parser.on('entry', (entry: ReadEntry) => {
    if (failed) return entry.resume();
    try {
      apply(entry);
    } catch (err) {
      fail(err as Error);
    }
    if (!entry.listenerCount('data')) entry.resume();
  });

  const plain = new PassThrough();
  plain.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  try {
    try {
      await new Promise<void>((resolve, reject) => {
        parser.on('end', () => resolve());
        parser.on('error', reject);
        plain.on('error', reject);
        input.on('error', reject);
        // An input that failed or closed before this listened (a download cut at once) says so no more.
        if (input.destroyed) return reject(input.errored ?? new Error('the input was closed before it was read'));
        void peek(input).then((head) => {
          // gzip is detected by its magic number, as docker does for layer blobs.
          const gzipped = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
          const counted = input.pipe(
            new Transform({
              transform(chunk: Buffer, _enc, cb) {
                opts.onBytes?.(chunk.length);
                cb(null, chunk);
              },
            }),
          );
          // 1 MiB out of zlib instead of its 16 KiB default: each chunk then costs one trip through the
          // hash, the tar parser and one write(2) per 1 MiB rather than per 16 KiB.
          (gzipped ? counted.pipe(createGunzip({ chunkSize: GUNZIP_CHUNK })).on('error', (e) => plain.destroy(e)) : counted).pipe(plain);
          plain.pipe(parser as unknown as NodeJS.WritableStream);
        }, reject);
      });
    } catch (err) {
      // The input failed (a download that stopped, a feed abandoned): whatever the parser still holds
      // must not be applied, above all once the fds below are closed and their numbers reused.
      failed ??= err as Error;
      plain.destroy();
      throw err;
    }
    await writes.drain();
    if (failed) throw failed;
    if (bytes === 0) throw new Error('the archive is empty');
    for (const d of dirs.reverse()) root.dirTimes(d.parts, d.mtime);
  } finally {
    // Nothing may still write into the target once the caller sees the result (it may remove it).
    await writes.drain();
    root.close();
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
