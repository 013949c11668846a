/**
 * Drives the image store and the overlay driver for real (root, kernel overlayfs) in a throw-away root.
 */
import type { EngineConfig } from '@mydocker/core';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Header } from 'tar';
import { aufsToOverlay, overlayToAufs } from '../drivers/aufs';
import { OverlayDriver } from '../drivers/overlay';
import { LocalImageStore } from '../images/image-store';
import { extractLayer } from '../images/tar-extract';
import { packDirectory } from '../images/tar-pack';
import { findOpaqueDirs, setOpaque } from '../util/fs';
import { isMountPoint } from '../util/mounts';

const dir = mkdtempSync(join(tmpdir(), 'storage-it-'));
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
const driver = new OverlayDriver({ home: join(config.root, 'storage/overlay'), config });

function entry(path: string, body = '', type: 'File' | 'Directory' = 'File'): Buffer {
  const data = Buffer.from(body);
  const h = Buffer.alloc(512);
  new Header({ path, type, size: type === 'File' ? data.length : 0, mode: type === 'File' ? 0o644 : 0o755, uid: 0, gid: 0, mtime: new Date(0) }).encode(h, 0);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad]);
}

afterAll(async () => {
  for (const id of await driver.list()) await driver.remove(id);
  rmSync(dir, { recursive: true, force: true });
});

describe('image store and overlay driver', () => {
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

  it('mounts, records changes (whiteouts, opaque dirs) and commits them as a layer', async () => {
    const base = await store.resolve('busybox');
    await driver.create('c1', base.layers);
    await driver.create('c1', base.layers); // idempotent
    const root = await driver.mount('c1');
    expect(await driver.mount('c1')).toBe(root);
    expect(await driver.isMounted('c1')).toBe(true);
    writeFileSync(join(root, 'hello.txt'), 'hi\n');
    rmSync(join(root, 'etc/group'));
    rmSync(join(root, 'home'), { recursive: true });
    mkdirSync(join(root, 'home'));
    writeFileSync(join(root, 'home/new'), 'x');
    const scratch = await store.layers.scratch();
    await driver.diff('c1', scratch);
    const wh = lstatSync(join(scratch, 'etc/group'));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);
    expect(await findOpaqueDirs(scratch)).toEqual(new Set(['home']));
    const layer = await store.layers.commitDir(scratch);
    expect(await store.layers.has(layer.digest)).toBe(true);

    await driver.create('c2', [...base.layers, store.layers.path(layer.digest)]);
    const root2 = await driver.mount('c2');
    expect(readFileSync(join(root2, 'hello.txt'), 'utf8')).toBe('hi\n');
    expect(existsSync(join(root2, 'etc/group'))).toBe(false);
    expect(existsSync(join(root2, 'etc/passwd'))).toBe(true);
    expect(readdirSync(join(root2, 'home'))).toEqual(['new']);
    expect((await driver.usage('c1')).inodes).toBeGreaterThan(0);

    await driver.unmount('c1');
    await driver.unmount('c1');
    expect(isMountPoint(root)).toBe(false);
    await driver.remove('c2');
    await driver.remove('c2');
    expect(isMountPoint(root2)).toBe(false);
    expect((await driver.list()).sort()).toEqual(['c1']);
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
    const parser = new Parser({ onReadEntry: (e) => { names.push(e.path); e.resume(); } });
    for await (const chunk of packDirectory(target, { layer: true })) parser.write(chunk as Buffer);
    parser.end();
    expect(names).toEqual(['etc/', 'etc/.wh.group', 'var/', 'var/.wh..wh..opq', 'var/kept']);
  });

  it('converts between overlay and aufs formats', async () => {
    const root = join(dir, 'aufs');
    mkdirSync(join(root, 'd'), { recursive: true });
    const { execFileSync } = await import('node:child_process');
    execFileSync('mknod', [join(root, 'gone'), 'c', '0', '0']);
    await setOpaque(join(root, 'd'));
    await overlayToAufs(root);
    expect(readdirSync(root).sort()).toEqual(['.wh.gone', 'd']);
    expect(readdirSync(join(root, 'd'))).toEqual(['.wh..wh..opq']);
    writeFileSync(join(root, '.wh..wh.aufs'), '');
    await aufsToOverlay(root);
    expect(readdirSync(root).sort()).toEqual(['d', 'gone']);
    expect(lstatSync(join(root, 'gone')).isCharacterDevice()).toBe(true);
    expect(readdirSync(join(root, 'd'))).toEqual([]);
  });
});
