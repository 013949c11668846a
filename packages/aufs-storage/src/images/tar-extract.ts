import { Unpack, type ReadEntry } from 'tar';
import { createHash } from 'node:crypto';
import { chown, lchown, lstat, mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { exec } from '../util/exec';
import { makeWhiteout, setOpaque } from '../util/fs';
import { classifyTarPath } from './whiteouts';

interface DeviceEntry {
  path: string;
  type: 'c' | 'b' | 'p';
  major: number;
  minor: number;
  mode: number;
  uid: number;
  gid: number;
}

export interface ExtractResult {
  /** sha256 (hex) of the uncompressed tar: the layer's diff id. */
  digest: string;
  bytes: number;
}

/** A tar entry path as a safe relative path, or undefined for one that points outside (`..`). */
function safeRelative(path: string): string | undefined {
  const clean = posix.normalize(`/${path}`).slice(1).replace(/\/+$/, '');
  return clean.split('/').includes('..') ? undefined : clean;
}

/**
 * Extracts a layer tar (plain or gzip) into `target` in overlay format, hashing the uncompressed bytes
 * as they pass. node-tar writes files, dirs, links and owners; it has no mknod, so whiteouts, device
 * nodes and FIFOs are collected and made afterwards with mknod(1), and opaque marks with setfattr.
 */
export async function extractLayer(input: Readable, target: string, onBytes?: (n: number) => void): Promise<ExtractResult> {
  await mkdir(target, { recursive: true });
  const hash = createHash('sha256');
  let bytes = 0;
  const whiteouts: string[] = [];
  const opaques: string[] = [];
  const devices: DeviceEntry[] = [];
  const symlinks: Array<{ path: string; target: string; uid: number; gid: number }> = [];
  const unpack = new Unpack({
    cwd: target,
    preserveOwner: true,
    chmod: true,
    processUmask: 0,
    umask: 0,
    strict: false,
    filter: (path: string, e: unknown) => {
      const entry = e as ReadEntry;
      const kind = classifyTarPath(path);
      if (kind?.kind === 'whiteout') whiteouts.push(kind.path);
      if (kind?.kind === 'opaque') opaques.push(kind.dir);
      if (kind) return false;
      // node-tar strips the leading "/" of symlink targets; images rely on absolute ones (bin/sh -> /bin/busybox).
      if (entry.type === 'SymbolicLink' && entry.linkpath?.startsWith('/')) {
        const rel = safeRelative(path);
        if (rel) symlinks.push({ path: rel, target: entry.linkpath, uid: entry.uid ?? 0, gid: entry.gid ?? 0 });
        return false;
      }
      if (entry.type === 'CharacterDevice' || entry.type === 'BlockDevice' || entry.type === 'FIFO') {
        const rel = safeRelative(path);
        if (rel) {
          devices.push({
            path: rel,
            type: entry.type === 'CharacterDevice' ? 'c' : entry.type === 'BlockDevice' ? 'b' : 'p',
            major: entry.header.devmaj ?? 0,
            minor: entry.header.devmin ?? 0,
            mode: (entry.mode ?? 0o644) & 0o7777,
            uid: entry.uid ?? 0,
            gid: entry.gid ?? 0,
          });
        }
        return false;
      }
      return true;
    },
  } as ConstructorParameters<typeof Unpack>[0]);

  const plain = new PassThrough();
  plain.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  const done = new Promise<void>((resolve, reject) => {
    unpack.on('close', () => resolve());
    unpack.on('error', reject);
    plain.on('error', reject);
    input.on('error', reject);
  });
  // gzip is detected by its magic number, as docker does for layer blobs.
  const head = await peek(input);
  const gzipped = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const raw = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes?.(chunk.length);
      cb(null, chunk);
    },
  });
  const source = input.pipe(raw);
  (gzipped ? source.pipe(createGunzip()).on('error', (e) => plain.destroy(e)) : source).pipe(plain);
  plain.pipe(unpack as unknown as NodeJS.WritableStream);
  await done;

  for (const dev of devices) {
    const abs = join(target, dev.path);
    await mkdir(dirname(abs), { recursive: true });
    await rm(abs, { force: true, recursive: true });
    const args = ['-m', dev.mode.toString(8), abs, dev.type];
    if (dev.type !== 'p') args.push(String(dev.major), String(dev.minor));
    await exec('mknod', args);
    await chown(abs, dev.uid, dev.gid);
  }
  for (const link of symlinks) {
    const abs = join(target, link.path);
    await assertNoSymlinkParents(target, link.path);
    await mkdir(dirname(abs), { recursive: true });
    await rm(abs, { force: true, recursive: true });
    await symlink(link.target, abs);
    await lchown(abs, link.uid, link.gid);
  }
  for (const path of whiteouts) {
    const rel = safeRelative(path);
    if (!rel) continue;
    const abs = join(target, rel);
    await mkdir(dirname(abs), { recursive: true });
    await makeWhiteout(abs);
    await lchown(abs, 0, 0);
  }
  for (const dir of opaques) {
    const rel = safeRelative(dir);
    if (rel === undefined) continue;
    const abs = rel ? join(target, rel) : target;
    await mkdir(abs, { recursive: true });
    await setOpaque(abs);
  }
  return { digest: hash.digest('hex'), bytes };
}

/** Refuses to create anything through a symlink inside the layer (it could point outside it). */
async function assertNoSymlinkParents(root: string, rel: string): Promise<void> {
  const parts = rel.split('/').slice(0, -1);
  let current = root;
  for (const part of parts) {
    current = join(current, part);
    const st = await lstat(current).catch(() => undefined);
    if (!st) return;
    if (st.isSymbolicLink()) throw new Error(`the archive writes ${rel} through a symbolic link`);
  }
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
    const cleanup = () => {
      input.off('readable', onReadable);
      input.off('end', onEnd);
      input.off('error', onError);
    };
    input.on('readable', onReadable);
    input.on('end', onEnd);
    input.on('error', onError);
  });
}
