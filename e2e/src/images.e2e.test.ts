import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { Sandbox } from './harness';

const sandbox = new Sandbox('images', { defaultNetwork: 'none' });

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

type Entry = { path: string; body?: Buffer | string; type?: 'File' | 'Directory' | 'SymbolicLink'; linkpath?: string; mode?: number };

/** A tar stream, block by block, with node-tar's header encoder. */
function tar(entries: Entry[]): Buffer {
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
    }).encode(h, 0);
    blocks.push(h);
    if (type === 'File') blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A small runnable root: the host's busybox and a few applets. */
function baseLayer(): Buffer {
  const applets = ['sh', 'ls', 'cat', 'echo', 'true'];
  return tar([
    { path: 'bin/', type: 'Directory' },
    { path: 'bin/busybox', body: readFileSync('/bin/busybox'), mode: 0o755 },
    ...applets.map((a): Entry => ({ path: `bin/${a}`, type: 'SymbolicLink', linkpath: 'busybox' })),
    { path: 'etc/', type: 'Directory' },
    { path: 'etc/doomed', body: 'delete me\n' },
    { path: 'etc/kept', body: 'kept\n' },
    { path: 'opt/', type: 'Directory' },
    { path: 'opt/keep/', type: 'Directory' },
    { path: 'opt/keep/old', body: 'old\n' },
    { path: 'proc/', type: 'Directory' },
    { path: 'sys/', type: 'Directory' },
    { path: 'dev/', type: 'Directory' },
    { path: 'tmp/', type: 'Directory', mode: 0o1777 },
  ]);
}

describe('images', () => {
  it('imports a rootfs tar (gzip) as an image', async () => {
    const file = join(sandbox.dir, 'rootfs.tar.gz');
    writeFileSync(file, gzipSync(baseLayer()));
    expect(await sandbox.ok(['import', file, 'imported:v1'])).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(await sandbox.ok(['run', '--rm', 'imported:v1', '/bin/cat', '/etc/kept'])).toBe('kept\n');
    expect(await sandbox.ok(['images'])).toMatch(/^imported\s+v1\s+/m);
  });

  it('loads a two-layer docker-save archive; the whiteouts hide what the lower layer had', async () => {
    const l1 = baseLayer();
    const l2 = tar([
      { path: 'etc/', type: 'Directory' },
      { path: 'etc/.wh.doomed' },
      { path: 'opt/keep/', type: 'Directory' },
      { path: 'opt/keep/.wh..wh..opq' },
      { path: 'opt/keep/new', body: 'new\n' },
    ]);
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha(l1)}`, `sha256:${sha(l2)}`] },
    });
    const manifest = JSON.stringify([{ Config: `${sha(config)}.json`, RepoTags: ['two-layer:latest'], Layers: ['l1/layer.tar', 'l2/layer.tar'] }]);
    const archive = tar([
      { path: 'l1/', type: 'Directory' },
      { path: 'l1/layer.tar', body: l1 },
      { path: 'l2/', type: 'Directory' },
      { path: 'l2/layer.tar', body: l2 },
      { path: `${sha(config)}.json`, body: config },
      { path: 'manifest.json', body: manifest },
    ]);
    const file = join(sandbox.dir, 'two.tar');
    writeFileSync(file, archive);
    expect(await sandbox.ok(['load', '-i', file])).toBe('Loaded image: two-layer:latest\n');
    // The id is the sha256 of the config bytes, as Docker computes it.
    expect(await sandbox.ok(['images', '-q', 'two-layer'])).toBe(`${sha(config).slice(0, 12)}\n`);
    expect(await sandbox.ok(['run', '--rm', 'two-layer', 'sh', '-c', 'cat /etc/kept; ls /opt/keep; cat /etc/doomed || echo gone'])).toBe('kept\nnew\ngone\n');
  });

  it('refuses a damaged archive with one sentence', async () => {
    const file = join(sandbox.dir, 'bad.tar');
    writeFileSync(file, tar([{ path: 'hello.txt', body: 'not an image' }]));
    const r = await sandbox.run(['load', '-i', file]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/is not an image archive/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('saves and loads back (round trip), keeping names, whiteouts and the ids of layers it made', async () => {
    const file = join(sandbox.dir, 'saved.tar');
    // Saving the default image builds it first.
    await sandbox.ok(['save', '-o', file, 'two-layer', 'busybox']);
    const before = await sandbox.ok(['images', '-q', 'busybox']);
    expect(before).toMatch(/^[0-9a-f]{12}\n$/);
    await sandbox.ok(['rmi', 'two-layer', 'busybox']);
    expect(await sandbox.ok(['images', '-q', 'two-layer'])).toBe('');
    expect((await sandbox.ok(['load', '-i', file])).split('\n').filter(Boolean).sort()).toEqual([
      'Loaded image: busybox:latest',
      'Loaded image: two-layer:latest',
    ]);
    // Layers this engine wrote (busybox) come back byte for byte, so the image id is kept.
    expect(await sandbox.ok(['images', '-q', 'busybox'])).toBe(before);
    expect(await sandbox.ok(['run', '--rm', 'two-layer', 'sh', '-c', 'cat /etc/kept; ls /opt/keep; cat /etc/doomed || echo gone'])).toBe('kept\nnew\ngone\n');
    expect(await sandbox.ok(['run', '--rm', 'busybox', 'echo', 'ok'])).toBe('ok\n');
  });

  it('rmi of an unknown image fails with one sentence', async () => {
    const r = await sandbox.run(['rmi', 'nothing-here']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/No such image: nothing-here/);
  });
});
