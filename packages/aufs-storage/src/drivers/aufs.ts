import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyTree, exists, findOpaqueDirs, isWhiteoutStat, makeWhiteout, setOpaque } from '../util/fs';
import { mountFs } from '../util/mounts';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from '@mydocker/core';
import { aufsMountOptions } from './mount-options';
import { UnionDriver } from './union-driver';

/**
 * aufs, where the kernel has it. aufs marks deletions with `.wh.` files, not overlay's char devices,
 * so each shared layer is converted once into `<home>/layers/<digest>` and `diff` converts back.
 */
export class AufsDriver extends UnionDriver {
  readonly name = 'aufs';

  protected async mountUnion(dir: string, lowers: string[]): Promise<void> {
    await mountFs('aufs', 'none', join(dir, 'merged'), aufsMountOptions(lowers, 'diff'), dir);
  }

  protected override async prepareLowers(_id: string, lowerDirs: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const layer of lowerDirs) {
      const key = layer.split('/').filter(Boolean).slice(-2).join('-');
      const converted = join(this.options.home, 'layers', key);
      if (!(await exists(join(converted, '.done')))) {
        await rm(converted, { recursive: true, force: true });
        await copyTree(layer, join(converted, 'data'));
        await overlayToAufs(join(converted, 'data'));
        await writeFile(join(converted, '.done'), '');
      }
      out.push(join(converted, 'data'));
    }
    return out;
  }

  override async diff(id: string, targetDir: string): Promise<void> {
    await copyTree(join(this.dir(id), 'diff'), targetDir);
    await aufsToOverlay(targetDir);
  }
}

/** overlay format → aufs format, in place. */
export async function overlayToAufs(root: string): Promise<void> {
  const opaque = await findOpaqueDirs(root);
  async function walk(dir: string, rel: string): Promise<void> {
    if (opaque.has(rel)) await writeFile(join(dir, OPAQUE_MARKER), '');
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const st = await lstat(path);
      if (isWhiteoutStat(st)) {
        await rm(path);
        await writeFile(join(dir, `${WHITEOUT_PREFIX}${name}`), '');
      } else if (st.isDirectory()) await walk(path, rel ? `${rel}/${name}` : name);
    }
  }
  await walk(root, '');
}

/** aufs format → overlay format, in place; aufs' own `.wh..wh.*` bookkeeping is dropped. */
export async function aufsToOverlay(root: string): Promise<void> {
  async function walk(dir: string): Promise<void> {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      if (name === OPAQUE_MARKER) {
        await rm(path);
        await setOpaque(dir);
      } else if (name.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) {
        await rm(path, { recursive: true, force: true });
      } else if (name.startsWith(WHITEOUT_PREFIX)) {
        await rm(path);
        await makeWhiteout(join(dir, name.slice(WHITEOUT_PREFIX.length)));
      } else if ((await lstat(path)).isDirectory()) await walk(path);
    }
  }
  await mkdir(root, { recursive: true });
  await walk(root);
}
