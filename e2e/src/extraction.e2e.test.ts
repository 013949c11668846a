/**
 * Issue 12, "Layer extraction": an image's bytes are the attacker's. Each crafted layer below tried, on
 * the old extractor, to reach a host directory (the canary) through a symlink the layer itself made.
 * Now every path is resolved inside the layer without following its symlinks: the archive is refused
 * with one sentence, the canary is untouched, and no layer, scratch or image is left.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './harness';
import { busyboxLayer, dockerSave, storageScratch, tar, type TarEntry } from './tar-fixtures';

const sandbox = new Sandbox('extract', { defaultNetwork: 'none' });
const canary = join(sandbox.dir, 'canary');

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

function resetCanary(): void {
  rmSync(canary, { recursive: true, force: true });
  mkdirSync(canary, { recursive: true });
  writeFileSync(join(canary, 'victim'), 'still here\n');
  writeFileSync(join(canary, 'secret'), 'secret\n');
}

function opaqueMark(path: string): string {
  try {
    return execFileSync('getfattr', ['-h', '--absolute-names', '-n', 'trusted.overlay.opaque', path], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return '';
  }
}

/** The canary as it was made: same names, same bytes, no extra link to its files, no overlay mark. */
function canaryState(): unknown {
  return {
    names: readdirSync(canary).sort(),
    victim: readFileSync(join(canary, 'victim'), 'utf8'),
    secretLinks: statSync(join(canary, 'secret')).nlink,
    opaque: opaqueMark(canary),
  };
}
const untouched = { names: ['secret', 'victim'], victim: 'still here\n', secretLinks: 1, opaque: '' };

const attacks: Array<[string, () => TarEntry[]]> = [
  [
    'a whiteout under a symlink to a host directory (deletes a host file)',
    () => [{ path: 'lnk', type: 'SymbolicLink', linkpath: canary }, { path: 'lnk/.wh.victim' }],
  ],
  [
    'an opaque marker under a symlink to a host directory (sets an xattr on it)',
    () => [{ path: 'lnk', type: 'SymbolicLink', linkpath: canary }, { path: 'lnk/.wh..wh..opq' }],
  ],
  [
    'a device node under a relative symlink that climbs out (mknod on the host)',
    () => [
      { path: 'lnk', type: 'SymbolicLink', linkpath: `../../../../../../../../../..${canary}` },
      { path: 'lnk/kmsg', type: 'CharacterDevice', devmaj: 1, devmin: 11 },
    ],
  ],
  [
    'a whiteout under a relative symlink that climbs out',
    () => [{ path: 'up', type: 'SymbolicLink', linkpath: `../../../../../../../../../..${canary}` }, { path: 'up/.wh.victim' }],
  ],
  [
    'a hard link to a host file through a symlink',
    () => [
      { path: 'hostroot', type: 'SymbolicLink', linkpath: '/' },
      { path: 'stolen', type: 'Link', linkpath: `hostroot${canary}/secret` },
    ],
  ],
  [
    'a file written through a symlink',
    () => [
      { path: 'lnk', type: 'SymbolicLink', linkpath: canary },
      { path: 'lnk/planted', body: 'x' },
    ],
  ],
  ['an entry that climbs out with ..', () => [{ path: `../../../../../../../../..${canary}/planted`, body: 'x' }]],
];

describe('extracting a crafted layer', () => {
  it.each(attacks)('import refuses %s; the host is untouched and nothing is left', async (_name, entries) => {
    resetCanary();
    const before = storageScratch(sandbox.root);
    const images = await sandbox.ok(['images', '-q']);
    const file = join(sandbox.dir, 'evil.tar');
    writeFileSync(file, tar(entries()));
    const r = await sandbox.run(['import', file, 'evil:latest']);
    expect(canaryState()).toEqual(untouched);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^Error: Cannot import .*(symbolic link|outside the layer)/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(storageScratch(sandbox.root)).toEqual(before);
    expect(await sandbox.ok(['images', '-q'])).toBe(images);
  });

  it('load refuses the same layer inside a docker-save archive, before any image exists', async () => {
    resetCanary();
    const before = storageScratch(sandbox.root);
    const file = join(sandbox.dir, 'evil-save.tar');
    writeFileSync(file, dockerSave([busyboxLayer(), tar(attacks[0][1]())], ['evil:latest']));
    const r = await sandbox.run(['load', '-i', file]);
    expect(canaryState()).toEqual(untouched);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^Error: .*layer 2 cannot be extracted .*symbolic link/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(storageScratch(sandbox.root)).toEqual(before);
    expect(await sandbox.ok(['images', '-q', 'evil'])).toBe('');
  });

  it('confines absolute entry paths to the layer: the container sees them, the host does not', async () => {
    resetCanary();
    const file = join(sandbox.dir, 'abs.tar');
    writeFileSync(file, busyboxLayer([{ path: `${canary}/abs`, body: 'inside the image\n' }]));
    await sandbox.ok(['import', file, 'abs:latest']);
    expect(await sandbox.ok(['run', '--rm', 'abs', 'cat', `${canary}/abs`])).toBe('inside the image\n');
    expect(existsSync(join(canary, 'abs'))).toBe(false);
  });

  it('keeps a symlink as data: a link to a host path means the same path inside the container', async () => {
    resetCanary();
    const file = join(sandbox.dir, 'link.tar');
    writeFileSync(file, busyboxLayer([{ path: 'etc/victim-link', type: 'SymbolicLink', linkpath: `${canary}/victim` }]));
    await sandbox.ok(['import', file, 'link:latest']);
    const r = await sandbox.run(['run', '--rm', 'link', 'cat', '/etc/victim-link']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
  });
});

describe('GNU tar archives', () => {
  it('keeps the device numbers of a GNU-format char device (not a 0:0 whiteout that hides it)', async () => {
    const src = join(sandbox.dir, 'gnu-root');
    mkdirSync(join(src, 'bin'), { recursive: true });
    mkdirSync(join(src, 'devices'), { recursive: true });
    copyFileSync('/bin/busybox', join(src, 'bin/busybox'));
    for (const a of ['sh', 'stat', 'ls']) symlinkSync('busybox', join(src, 'bin', a));
    execFileSync('mknod', ['-m', '666', join(src, 'devices/mynull'), 'c', '1', '3']);
    const file = join(sandbox.dir, 'gnu.tar');
    execFileSync('tar', ['--format=gnu', '--numeric-owner', '-C', src, '-cf', file, '.']);
    expect(readFileSync(file).subarray(257, 265).toString('latin1')).toBe('ustar  \0');
    await sandbox.ok(['import', file, 'gnu:latest']);
    // busybox stat: %t:%T = major:minor in hex.
    expect(await sandbox.ok(['run', '--rm', 'gnu', '/bin/stat', '-c', '%F %t:%T', '/devices/mynull'])).toBe('character special file 1:3\n');
  });
});
