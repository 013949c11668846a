import { newSha256, removeOrphanScratch, scratchName } from '@mydocker/core';
import { lstatSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { diskUsage } from '../util/fs';

const SCRATCH = '.tmp-';
// tar-pack and tar-extract pull in `tar` (~13 ms to load): required only where a layer is packed or
// extracted, so that `run` and `ps`, which never do, do not pay for it.
type TarPack = typeof import('../layer/tar-pack');
type TarExtract = typeof import('../layer/tar-extract');

export interface LayerInfo {
  /** sha256 hex of the layer's uncompressed tar (Docker's diff id, without "sha256:"). */
  digest: string;
  size: number;
  createdAt: string;
}

/**
 * Layers under `<root>/layers/<sha256>/`: `diff/` holds the content in overlay format, `layer.json`
 * the metadata. A layer is built in a temporary directory and renamed into place once complete, so
 * a crash never leaves half a layer under a real digest; the same content twice is stored once.
 */
export class LayerStore {
  readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'layers');
  }

  path(digest: string): string {
    return join(this.dir, bare(digest), 'diff');
  }

  /** Synchronous, as `info`: asked for every layer of the image on every `run`, a few microseconds each. */
  async has(digest: string): Promise<boolean> {
    try {
      return lstatSync(join(this.dir, bare(digest), 'layer.json'), { throwIfNoEntry: false }) !== undefined;
    } catch {
      return false;
    }
  }

  async info(digest: string): Promise<LayerInfo | undefined> {
    try {
      return JSON.parse(readFileSync(join(this.dir, bare(digest), 'layer.json'), 'utf8')) as LayerInfo;
    } catch {
      return undefined;
    }
  }

  /** A fresh directory for building a layer; give it to `place` (under the image lock) or `discard`. */
  async scratch(): Promise<string> {
    const dir = join(this.dir, scratchName(SCRATCH));
    await mkdir(join(dir, 'diff'), { recursive: true });
    return join(dir, 'diff');
  }

  /** Removes a scratch made by `scratch()`, whole. */
  async discard(diff: string): Promise<void> {
    await rm(join(diff, '..'), { recursive: true, force: true });
  }

  /**
   * Extracts a layer tar (plain or gzip) into a scratch, not yet in the store: the caller places it
   * under the image lock together with the image that uses it, so a killed import or load leaves only
   * a scratch (which prune removes), never a layer no image names.
   */
  async extract(input: Readable, onBytes?: (n: number) => void): Promise<{ diff: string; digest: string }> {
    const diff = await this.scratch();
    try {
      const { extractLayer } = require('../layer/tar-extract') as TarExtract;
      const { digest } = await extractLayer(input, diff, { onBytes });
      return { diff, digest };
    } catch (err) {
      await this.discard(diff);
      throw err;
    }
  }

  /** The digest of a scratch's tar form (Docker's diff id). */
  async digestDir(diff: string): Promise<string> {
    return (await this.tarInfo(diff)).digest;
  }

  /** The digest and byte size of a directory's tar form (packing is reproducible: same tree, same bytes). */
  async tarInfo(diff: string): Promise<{ digest: string; size: number }> {
    const hash = newSha256();
    let size = 0;
    const { packDirectory } = require('../layer/tar-pack') as TarPack;
    for await (const chunk of packDirectory(diff, { layer: true })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { digest: hash.digest('hex'), size };
  }

  /** Adds a layer from a directory made by `scratch()`; the digest is that of its tar form. Call holding the image lock. */
  async commitDir(diff: string): Promise<LayerInfo & { tarSize: number }> {
    try {
      const tar = await this.tarInfo(diff);
      return { ...(await this.place(diff, tar.digest)), tarSize: tar.size };
    } catch (err) {
      await this.discard(diff);
      throw err;
    }
  }

  /** Moves a complete scratch into the store under its digest (or drops it when the store has it). Call holding the image lock. */
  async place(diff: string, digest: string): Promise<LayerInfo> {
    const tmp = join(diff, '..');
    const existing = await this.info(digest);
    if (existing) {
      await rm(tmp, { recursive: true, force: true });
      return existing;
    }
    const info: LayerInfo = { digest, size: (await diskUsage(diff)).bytes, createdAt: new Date().toISOString() };
    await writeFile(join(tmp, 'layer.json'), JSON.stringify(info));
    try {
      await rename(tmp, join(this.dir, digest));
    } catch (err) {
      // Another process placed the same layer meanwhile.
      if (!(await this.has(digest))) throw err;
      await rm(tmp, { recursive: true, force: true });
    }
    return info;
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => /^[0-9a-f]{64}$/.test(n));
    } catch {
      return [];
    }
  }

  async remove(digest: string): Promise<void> {
    await rm(join(this.dir, bare(digest)), { recursive: true, force: true });
  }

  /** Scratch directories of builds whose process is gone (killed mid-import); returns how many. */
  async removeScratch(): Promise<number> {
    return (await removeOrphanScratch(this.dir, SCRATCH)).length;
  }
}

export function bare(digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`invalid layer digest ${JSON.stringify(digest)}`);
  return hex;
}
