import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Header } from 'tar';

/** Crafted tar entries: every field as an attacker may set it. */
export interface TarEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'FIFO';
  body?: Buffer | string;
  linkpath?: string;
  mode?: number;
  devmaj?: number;
  devmin?: number;
}

/** A tar stream, block by block, with node-tar's header encoder (so nothing is sanitized on the way). */
export function tar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? 'File';
    const body = Buffer.from(e.body ?? '');
    const h = Buffer.alloc(512);
    new Header({
      path: e.path,
      type,
      linkpath: e.linkpath,
      size: type === 'File' ? body.length : 0,
      mode: e.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      uid: 0,
      gid: 0,
      mtime: new Date(1_700_000_000_000),
      devmaj: e.devmaj,
      devmin: e.devmin,
    }).encode(h, 0);
    blocks.push(h);
    if (type === 'File') blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** A small runnable root: the host's static busybox and a few applets. */
export function busyboxLayer(extra: TarEntry[] = []): Buffer {
  const applets = ['sh', 'ls', 'cat', 'echo', 'stat', 'true', 'sleep', 'dd', 'test'];
  return tar([
    { path: 'bin/', type: 'Directory' },
    { path: 'bin/busybox', body: readFileSync('/bin/busybox'), mode: 0o755 },
    ...applets.map((a): TarEntry => ({ path: `bin/${a}`, type: 'SymbolicLink', linkpath: 'busybox' })),
    { path: 'etc/', type: 'Directory' },
    { path: 'proc/', type: 'Directory' },
    { path: 'sys/', type: 'Directory' },
    { path: 'dev/', type: 'Directory' },
    { path: 'tmp/', type: 'Directory', mode: 0o1777 },
    ...extra,
  ]);
}

/** A `docker save` archive holding one image made of `layers`. */
export function dockerSave(layers: Buffer[], repoTags: unknown[] = ['fixture:latest'], options: { omitLayer?: number } = {}): Buffer {
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha(l)}`) },
  });
  const entries: TarEntry[] = [];
  layers.forEach((l, i) => {
    entries.push({ path: `l${i}/`, type: 'Directory' });
    if (options.omitLayer !== i) entries.push({ path: `l${i}/layer.tar`, body: l });
  });
  entries.push({ path: `${sha(config)}.json`, body: config });
  entries.push({
    path: 'manifest.json',
    body: JSON.stringify([{ Config: `${sha(config)}.json`, RepoTags: repoTags, Layers: layers.map((_, i) => `l${i}/layer.tar`) }]),
  });
  return tar(entries);
}

/** What an engine root holds of images in progress or layers: empty lists after a refused or killed command. */
export function storageScratch(root: string): { layers: string[]; scratch: string[]; tmp: string[] } {
  const ls = (d: string) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  const layers = ls(join(root, 'layers'));
  return { layers: layers.filter((n) => !n.startsWith('.')), scratch: layers.filter((n) => n.startsWith('.')), tmp: ls(join(root, 'tmp')) };
}
