/**
 * Drives the image store for real (root) in a throw-away root: the default image, layers extracted and packed back.
 */
import type { EngineConfig } from '@mydocker/core';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Header } from 'tar';
import { LocalImageStore } from '../store/image-store';
import { extractLayer } from '../layer/tar-extract';
import { packDirectory } from '../layer/tar-pack';
import { findOpaqueDirs } from '../util/fs';

const dir = mkdtempSync(join(tmpdir(), 'image-store-it-'));
const config: EngineConfig = {
  root: join(dir, 'root'),
  runRoot: join(dir, 'run'),
  cgroupParent: 'mydocker-test',
  defaultImage: 'busybox',
  plugins: [],
  pluginOptions: {},
  selfCommand: [],
};
const store = new LocalImageStore(config);

function entry(path: string, body = '', type: 'File' | 'Directory' = 'File'): Buffer {
  const data = Buffer.from(body);
  const h = Buffer.alloc(512);
  new Header({ path, type, size: type === 'File' ? data.length : 0, mode: type === 'File' ? 0o644 : 0o755, uid: 0, gid: 0, mtime: new Date(0) }).encode(h, 0);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad]);
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('image store', () => {
  it('builds the default busybox image once, with the same id every time', async () => {
    const [a, b] = await Promise.all([store.resolve('busybox'), store.resolve('busybox:latest')]);
    expect(a.id).toBe(b.id);
    expect(a.config.cmd).toEqual(['sh']);
    expect(a.config.env[0]).toMatch(/^PATH=/);
    expect(a.layers).toHaveLength(1);
    const layer = a.layers[0];
    expect(lstatSync(join(layer, 'bin/busybox')).isFile()).toBe(true);
    expect(readlinkSync(join(layer, 'bin/sh'))).toBe('/bin/busybox');
    expect(readFileSync(join(layer, 'etc/passwd'), 'utf8')).toMatch(/^root:x:0:0/);
    expect(lstatSync(join(layer, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect((await store.list()).length).toBe(1);
    await expect(store.resolve('nope')).rejects.toThrow("Unable to find image 'nope' locally");
  });

  it('extracts a layer tar with whiteouts and packs it back the same way', async () => {
    const tar = Buffer.concat([
      entry('etc/', '', 'Directory'),
      entry('etc/.wh.group'),
      entry('var/', '', 'Directory'),
      entry('var/.wh..wh..opq'),
      entry('var/kept', 'k'),
      Buffer.alloc(1024),
    ]);
    const target = join(dir, 'extract');
    const { digest } = await extractLayer(Readable.from([tar]), target);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const st = lstatSync(join(target, 'etc/group'));
    expect(st.isCharacterDevice() && st.rdev === 0).toBe(true);
    expect(await findOpaqueDirs(target)).toEqual(new Set(['var']));
    const names: string[] = [];
    const { Parser } = await import('tar');
    const parser = new Parser({
      onReadEntry: (e) => {
        names.push(e.path);
        e.resume();
      },
    });
    for await (const chunk of packDirectory(target, { layer: true })) parser.write(chunk as Buffer);
    parser.end();
    expect(names).toEqual(['etc/', 'etc/.wh.group', 'var/', 'var/.wh..wh..opq', 'var/kept']);
  });

  it('keeps an imported archive as the layer blob, so the manifest and blobs can be written out byte for byte', async () => {
    const { gzipSync } = await import('node:zlib');
    const { createHash } = await import('node:crypto');
    const { writeFileSync } = await import('node:fs');
    const { importRootfs } = await import('../store/transfer');
    const gz = gzipSync(Buffer.concat([entry('etc/', '', 'Directory'), entry('etc/hello', 'hi'), Buffer.alloc(1024)]));
    const file = join(dir, 'root.tar.gz');
    writeFileSync(file, gz);
    const id = await importRootfs(store, file, 'kept:1');
    const stored = await store.storedManifest('kept:1');
    const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    expect(stored?.config.digest).toBe(`sha256:${id}`);
    expect(sha(stored!.config.bytes)).toBe(`sha256:${id}`);
    expect(sha(stored!.manifest)).toBe(stored!.digest);
    expect(stored!.layers).toEqual([expect.objectContaining({ digest: sha(gz), size: gz.length, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' })]);
    const chunks: Buffer[] = [];
    for await (const c of stored!.layers[0].open()) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(gz)).toBe(true);
    // The default image's layer is packed by this engine and not kept as a blob.
    expect(await store.storedManifest('busybox')).toBeUndefined();
  });
});
