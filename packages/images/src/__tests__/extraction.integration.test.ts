/**
 * Extraction of untrusted tars for real (root): nothing outside the target is touched, whatever the
 * archive's symlinks, hard links and paths say; the layer's own whiteouts, links and devices still work.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Header } from 'tar';
import { octal } from '../layer/gnu-devices';
import { entryComponents } from '../layer/layer-root';
import { extractLayer } from '../layer/tar-extract';
import { findOpaqueDirs } from '../util/fs';

const dir = mkdtempSync(join(tmpdir(), 'storage-extract-'));
const canary = join(dir, 'canary');
let n = 0;

type E = { path: string; type?: string; body?: string; linkpath?: string; devmaj?: number; devmin?: number; mode?: number };

function tar(entries: E[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? 'File';
    const body = Buffer.from(e.body ?? '');
    const h = Buffer.alloc(512);
    new Header({
      path: e.path,
      type: type as never,
      linkpath: e.linkpath,
      size: type === 'File' ? body.length : 0,
      mode: e.mode ?? 0o644,
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

function freshTarget(): string {
  return join(dir, `t${n++}`);
}

function xattr(path: string): string {
  try {
    return execFileSync('getfattr', ['-h', '--absolute-names', '-n', 'trusted.overlay.opaque', '-e', 'text', path], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return '';
  }
}

beforeEach(() => {
  rmSync(canary, { recursive: true, force: true });
  mkdirSync(canary, { recursive: true });
  writeFileSync(join(canary, 'victim'), 'still here\n');
  writeFileSync(join(canary, 'secret'), 'secret\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function canaryUntouched(): void {
  expect(readFileSync(join(canary, 'victim'), 'utf8')).toBe('still here\n');
  expect(statSync(join(canary, 'secret')).nlink).toBe(1);
  expect(xattr(canary)).toBe('');
  expect(execFileSync('ls', ['-A', canary], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual(['secret', 'victim']);
}

describe('extracting an untrusted layer', () => {
  const escapes: Array<[string, E[]]> = [
    ['a whiteout under a symlink to a host directory', [{ path: 'lnk', type: 'SymbolicLink', linkpath: canary }, { path: 'lnk/.wh.victim' }]],
    ['an opaque marker under a symlink to a host directory', [{ path: 'lnk', type: 'SymbolicLink', linkpath: canary }, { path: 'lnk/.wh..wh..opq' }]],
    [
      'a file written through a symlink',
      [
        { path: 'lnk', type: 'SymbolicLink', linkpath: canary },
        { path: 'lnk/planted', body: 'x' },
      ],
    ],
    ['a relative symlink that climbs out', [{ path: 'up', type: 'SymbolicLink', linkpath: `../../../../../../../../..${canary}` }, { path: 'up/.wh.victim' }]],
    [
      'a directory entry through a symlink',
      [
        { path: 'lnk', type: 'SymbolicLink', linkpath: canary },
        { path: 'lnk/sub/', type: 'Directory', mode: 0o755 },
      ],
    ],
    [
      'a hard link to a host file through a symlink',
      [
        { path: 'root', type: 'SymbolicLink', linkpath: '/' },
        { path: 'hl', type: 'Link', linkpath: `root${canary}/secret` },
      ],
    ],
    ['a hard link that climbs out with ..', [{ path: 'hl', type: 'Link', linkpath: `../../../../../../..${canary}/secret` }]],
    ['an entry that climbs out with ..', [{ path: `../../../../../../../..${canary}/planted`, body: 'x' }]],
    [
      'a device node through a symlink',
      [
        { path: 'lnk', type: 'SymbolicLink', linkpath: canary },
        { path: 'lnk/null', type: 'CharacterDevice', devmaj: 1, devmin: 3 },
      ],
    ],
  ];
  it.each(escapes)('refuses %s and touches nothing outside', async (_name, entries) => {
    await expect(extractLayer(Readable.from([tar(entries)]), freshTarget())).rejects.toThrow(/symbolic link|outside the layer|does not hold/);
    canaryUntouched();
  });

  it('confines an absolute entry path to the layer', async () => {
    const target = freshTarget();
    await extractLayer(Readable.from([tar([{ path: `${canary}/abs`, body: 'inside\n' }])]), target);
    expect(readFileSync(join(target, canary, 'abs'), 'utf8')).toBe('inside\n');
    canaryUntouched();
  });

  it("keeps the layer's own whiteouts, opaque dirs, links, devices and absolute symlinks", async () => {
    const target = freshTarget();
    await extractLayer(
      Readable.from([
        tar([
          { path: 'etc/', type: 'Directory', mode: 0o755 },
          { path: 'etc/.wh.gone' },
          { path: 'var/', type: 'Directory', mode: 0o755 },
          { path: 'var/.wh..wh..opq' },
          { path: 'var/file', body: 'data' },
          { path: 'var/hard', type: 'Link', linkpath: 'var/file' },
          { path: 'bin/sh', type: 'SymbolicLink', linkpath: '/bin/busybox' },
          { path: 'dev/null', type: 'CharacterDevice', devmaj: 1, devmin: 3, mode: 0o666 },
          { path: 'run/fifo', type: 'FIFO', mode: 0o600 },
        ]),
      ]),
      target,
    );
    const gone = lstatSync(join(target, 'etc/gone'));
    expect(gone.isCharacterDevice() && gone.rdev === 0).toBe(true);
    expect(await findOpaqueDirs(target)).toEqual(new Set(['var']));
    expect(lstatSync(join(target, 'var/hard')).ino).toBe(lstatSync(join(target, 'var/file')).ino);
    expect(readlinkSync(join(target, 'bin/sh'))).toBe('/bin/busybox');
    const dev = lstatSync(join(target, 'dev/null'));
    expect(dev.isCharacterDevice()).toBe(true);
    expect([Math.floor(dev.rdev / 256), dev.rdev % 256]).toEqual([1, 3]);
    expect(lstatSync(join(target, 'run/fifo')).isFIFO()).toBe(true);
    expect(lstatSync(join(target, 'var/file')).mtime.getTime()).toBe(1_700_000_000_000);
  });

  it('reads device numbers from a GNU tar archive (tar --format=gnu)', async () => {
    const src = join(dir, 'gnu-src');
    mkdirSync(join(src, 'dev'), { recursive: true });
    execFileSync('mknod', ['-m', '666', join(src, 'dev/mynull'), 'c', '1', '3']);
    execFileSync('mknod', ['-m', '660', join(src, 'dev/loopx'), 'b', '7', '200']);
    const archive = execFileSync('tar', ['--format=gnu', '-C', src, '-cf', '-', '.']);
    expect(archive.subarray(257, 265).toString('latin1')).toBe('ustar  \0');
    const target = freshTarget();
    await extractLayer(Readable.from([archive]), target);
    const c = lstatSync(join(target, 'dev/mynull'));
    expect(c.isCharacterDevice()).toBe(true);
    expect(c.rdev).toBe(lstatSync(join(src, 'dev/mynull')).rdev);
    const b = lstatSync(join(target, 'dev/loopx'));
    expect(b.isBlockDevice()).toBe(true);
    expect(b.rdev).toBe(lstatSync(join(src, 'dev/loopx')).rdev);
  });

  it('refuses garbage and an empty stream', async () => {
    await expect(extractLayer(Readable.from([Buffer.from('this is not a tar archive at all'.repeat(40))]), freshTarget())).rejects.toThrow();
    await expect(extractLayer(Readable.from([Buffer.alloc(0)]), freshTarget())).rejects.toThrow();
  });

  it('refuses device nodes in an archive that is not a layer', async () => {
    const target = freshTarget();
    await expect(
      extractLayer(Readable.from([tar([{ path: 'null', type: 'CharacterDevice', devmaj: 1, devmin: 3 }])]), target, { layer: false }),
    ).rejects.toThrow(/device/);
    expect(existsSync(join(target, 'null'))).toBe(false);
  });
});

describe('tar path and number parsing', () => {
  it('drops leading "/" and "./", refuses ".." that climbs out', () => {
    expect(entryComponents('/etc/passwd')).toEqual(['etc', 'passwd']);
    expect(entryComponents('./a/./b/')).toEqual(['a', 'b']);
    expect(entryComponents('a/../b')).toEqual(['b']);
    expect(() => entryComponents('../x')).toThrow(/outside the layer/);
    expect(() => entryComponents('a/../../x')).toThrow(/outside the layer/);
  });

  it('reads octal fields with spaces and NULs, and base-256', () => {
    expect(octal(Buffer.from('0000001\0'), 0, 8)).toBe(1);
    expect(octal(Buffer.from(' 000017 '), 0, 8)).toBe(15);
    expect(octal(Buffer.from([0x80, 0, 0, 0, 0, 0, 1, 0]), 0, 8)).toBe(256);
    expect(octal(Buffer.alloc(8), 0, 8)).toBe(0);
  });
});
