/**
 * Drives the overlay driver for real (root, kernel overlayfs) in a throw-away root, over a layer made by
 * hand (images and their layers belong to @mydocker/images).
 */
import type { EngineConfig } from '@mydocker/core';
import { lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aufsToOverlay, overlayToAufs } from '../drivers/aufs';
import { OverlayDriver, volatileSupported } from '../drivers/overlay';
import { findOpaqueDirs, setOpaque } from '../util/fs';
import { isMountPoint, mountFs } from '../util/mounts';

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
const driver = new OverlayDriver({ home: join(config.root, 'storage/overlay'), config });

/** A lower layer as the image store would unpack it: busybox, /etc files, /home with a file. */
function baseLayer(): string[] {
  const base = join(dir, 'base');
  mkdirSync(join(base, 'bin'), { recursive: true });
  mkdirSync(join(base, 'etc'));
  mkdirSync(join(base, 'home/user'), { recursive: true });
  writeFileSync(join(base, 'etc/group'), 'root:x:0:\n');
  writeFileSync(join(base, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  writeFileSync(join(base, 'home/user/file'), 'old');
  return [base];
}

afterAll(async () => {
  for (const id of await driver.list()) await driver.remove(id);
  rmSync(dir, { recursive: true, force: true });
});

describe('overlay driver', () => {
  it('mounts, records changes (whiteouts, opaque dirs) and commits them as a layer', async () => {
    const base = { layers: baseLayer() };
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
    const scratch = join(dir, 'diff');
    mkdirSync(scratch);
    await driver.diff('c1', scratch);
    const wh = lstatSync(join(scratch, 'etc/group'));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);
    expect(await findOpaqueDirs(scratch)).toEqual(new Set(['home']));
    await driver.create('c2', [...base.layers, scratch]);
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

  it('describes a throw-away (--rm) root as a volatile mount that can be made again after its unmount', async () => {
    const id = 'volatile1';
    // The first test made the base layer already (baseLayer makes it once).
    await driver.create(id, existsSync(join(dir, 'base')) ? [join(dir, 'base')] : baseLayer());
    const kept = await driver.describeMount(id);
    expect(kept?.options).not.toMatch(/volatile/);
    for (let round = 0; round < 2; round++) {
      const described = await driver.describeMount(id, { throwaway: true });
      expect(described?.options).toBe(volatileSupported() ? `${kept!.options},volatile` : kept!.options);
      // What the runtime's helper does with it: one mount(2) in the container directory, later unmounted.
      await mountFs(described!.type, described!.source, described!.target, described!.options, described!.cwd);
      expect(readFileSync(join(described!.target, 'etc/group'), 'utf8')).toBe('root:x:0:\n');
      await driver.unmount(id);
      expect(isMountPoint(described!.target)).toBe(false);
    }
    await driver.remove(id);
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
