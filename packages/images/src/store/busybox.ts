import { MydockerError } from '@mydocker/core';
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { LocalImageStore } from './image-store';
import { DEFAULT_IMAGE } from './image-store';
import { makeConfig } from './oci-config';

export const BUSYBOX = '/bin/busybox';
const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The default image, made from the host's static busybox (Debian's busybox-static): the binary, one
 * symlink per applet, a minimal /etc/passwd and /etc/group and the usual empty directories. Built
 * once, under the image lock, so concurrent first runs share it.
 */
export async function buildBusyboxImage(store: LocalImageStore, binary = BUSYBOX): Promise<string> {
  return store.withLock(async () => {
    const existing = await store.find(DEFAULT_IMAGE);
    if (existing) return existing.id;
    let st;
    try {
      st = await stat(binary);
    } catch {
      throw new MydockerError(`The default busybox image needs ${binary}, which is missing: run \`apt-get install busybox-static\`.`);
    }
    const applets = execFileSync(binary, ['--list-full'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const diff = await store.layers.scratch();
    try {
      return await fillBusybox(store, diff, binary, applets, st.mtime);
    } finally {
      await store.layers.discard(diff);
    }
  });
}

async function fillBusybox(store: LocalImageStore, diff: string, binary: string, applets: string[], mtime: Date): Promise<string> {
  {
    for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'home', 'var', 'tmp', 'root']) {
      await mkdir(join(diff, dir), { recursive: true });
    }
    await chmod(join(diff, 'tmp'), 0o1777);
    await chmod(join(diff, 'root'), 0o700);
    await copyFile(binary, join(diff, 'bin/busybox'));
    await chmod(join(diff, 'bin/busybox'), 0o755);
    // Every applet in /bin, as in Docker's busybox image (the seed runs /bin/top), and at the path
    // busybox itself lists (/usr/bin/env, /sbin/ip, ...) for scripts that use those.
    const links = new Set<string>();
    for (const applet of applets) {
      if (applet === 'bin/busybox' || applet.includes('..') || applet.startsWith('/')) continue;
      links.add(applet);
      links.add(`bin/${basename(applet)}`);
    }
    links.delete('bin/busybox');
    for (const link of links) {
      await mkdir(join(diff, dirname(link)), { recursive: true });
      await symlink('/bin/busybox', join(diff, link)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
    await writeFile(join(diff, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
    await writeFile(join(diff, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    // Fixed times make the layer's tar, and so its digest and the image id, the same on every build.
    await touchTree(diff, mtime);
    const layer = await store.layers.commitDir(diff);
    const config = makeConfig({
      diffIds: [layer.digest],
      created: mtime.toISOString(),
      createdBy: `mydocker: busybox from ${binary}`,
      config: { Env: [PATH], Cmd: ['sh'], WorkingDir: '/' },
    });
    return store.addImage(config, [DEFAULT_IMAGE], undefined, new Map([[layer.digest, layer.tarSize]]));
  }
}

async function touchTree(root: string, time: Date): Promise<void> {
  const { execFile } = await import('node:child_process');
  await new Promise<void>((resolve, reject) =>
    execFile('find', [root, '-exec', 'touch', '-h', '-d', time.toISOString(), '{}', '+'], (err) => (err ? reject(err) : resolve())),
  );
}
