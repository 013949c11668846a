import { assertValidName, isValidName, NotFoundError, randomHex } from '@mydocker/core';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from '../util/fs';
import { isNoSpace, noSpace } from '../util/no-space';

export interface VolumeInfo {
  name: string;
  /** Made for one container by `-v /path`; `rm -v` deletes it with the container. */
  anonymous: boolean;
  createdAt: string;
  mountpoint: string;
  /** --label of `volume create` (or volume-label of --mount). */
  labels?: Record<string, string>;
  /** -o/--opt of `volume create`: the local driver's type, device and o. */
  options?: Record<string, string>;
}

export interface VolumeExtra {
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

/** Local volumes: `<root>/volumes/<name>/_data` plus `volume.json`. Their data outlives containers. */
export class VolumeStore {
  readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'volumes');
  }

  mountpoint(name: string): string {
    return join(this.dir, name, '_data');
  }

  /** Creates the volume unless it exists; `created` tells which, so a failed run can undo only its own. */
  async ensure(name: string | undefined, anonymous: boolean, extra: VolumeExtra = {}): Promise<{ info: VolumeInfo; created: boolean }> {
    const volumeName = name ?? randomHex(32);
    assertValidName(volumeName, 'volume');
    const existing = await this.find(volumeName);
    if (existing) return { info: existing, created: false };
    const kept = {
      ...(extra.labels && Object.keys(extra.labels).length ? { labels: extra.labels } : {}),
      ...(extra.options && Object.keys(extra.options).length ? { options: extra.options } : {}),
    };
    const info: VolumeInfo = { name: volumeName, anonymous, createdAt: new Date().toISOString(), mountpoint: this.mountpoint(volumeName), ...kept };
    try {
      await mkdir(info.mountpoint, { recursive: true });
      await writeFile(join(this.dir, volumeName, 'volume.json'), JSON.stringify({ name: volumeName, anonymous, createdAt: info.createdAt, ...kept }));
    } catch (err) {
      // Half a volume (a directory without its metadata) would be taken for a real one later.
      await rm(join(this.dir, volumeName), { recursive: true, force: true });
      if (isNoSpace(err)) throw noSpace(this.dir);
      throw err;
    }
    return { info, created: true };
  }

  async find(name: string): Promise<VolumeInfo | undefined> {
    if (!isValidName(name)) return undefined;
    try {
      const meta = JSON.parse(await readFile(join(this.dir, name, 'volume.json'), 'utf8')) as Omit<VolumeInfo, 'mountpoint'>;
      return { ...meta, mountpoint: this.mountpoint(name) };
    } catch {
      // A directory without metadata (crash between mkdir and write) still counts as a volume.
      if (await exists(this.mountpoint(name))) return { name, anonymous: false, createdAt: '', mountpoint: this.mountpoint(name) };
      return undefined;
    }
  }

  async get(name: string): Promise<VolumeInfo> {
    const v = await this.find(name);
    if (!v) throw new NotFoundError(`No such volume: ${name}.`);
    return v;
  }

  async list(): Promise<VolumeInfo[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: VolumeInfo[] = [];
    for (const n of names.sort()) {
      const v = await this.find(n);
      if (v) out.push(v);
    }
    return out;
  }

  async remove(name: string): Promise<void> {
    if (!isValidName(name)) return;
    await rm(join(this.dir, name), { recursive: true, force: true });
  }
}
