import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  chownSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerFs } from '../container-fs';
import { copyFromContainer, copyToContainer, type CopyOptions } from '../copy';

const opts = (extra: Partial<CopyOptions> = {}): CopyOptions => ({ archive: false, followLink: false, warn: () => undefined, ...extra });

describe('cp against a real directory tree', () => {
  let base: string;
  let root: string;
  let host: string;
  let volume: string;
  let cfs: ContainerFs;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'cp-test-'));
    root = join(base, 'rootfs');
    host = join(base, 'host');
    volume = join(base, 'vol');
    for (const d of [root, host, volume, join(root, 'etc'), join(root, 'data'), join(root, 'mnt/vol')]) mkdirSync(d, { recursive: true });
    writeFileSync(join(root, 'etc/passwd'), 'container passwd\n');
    writeFileSync(join(host, 'secret'), 'host secret\n');
    writeFileSync(join(volume, 'in-volume'), 'v');
    symlinkSync('/', join(root, 'rootlink'));
    symlinkSync('../../../../../../..', join(root, 'up'));
    symlinkSync(host, join(root, 'hostlink')); // an absolute link naming a host path
    symlinkSync('/etc/passwd', join(root, 'passwd-link'));
    cfs = new ContainerFs(root, [{ source: volume, destination: '/mnt/vol' }]);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('copies a file out with its mode and mtime', () => {
    chmodSync(join(root, 'etc/passwd'), 0o640);
    utimesSync(join(root, 'etc/passwd'), 1_000_000, 1_000_000);
    copyFromContainer(cfs, '/etc/passwd', join(host, 'out'), opts(), 'c');
    expect(readFileSync(join(host, 'out'), 'utf8')).toBe('container passwd\n');
    expect(statSync(join(host, 'out')).mode & 0o7777).toBe(0o640);
    expect(statSync(join(host, 'out')).mtimeMs).toBe(1_000_000_000);
  });

  it('copies directories both ways following docker cp rules', () => {
    mkdirSync(join(host, 'tree/sub'), { recursive: true });
    writeFileSync(join(host, 'tree/sub/f'), 'f');
    chmodSync(join(host, 'tree/sub'), 0o750);
    chownSync(join(host, 'tree/sub/f'), 1234, 1234);
    copyToContainer(cfs, join(host, 'tree'), '/data', opts(), 'c'); // existing dir: copied into it
    expect(readFileSync(join(root, 'data/tree/sub/f'), 'utf8')).toBe('f');
    expect(statSync(join(root, 'data/tree/sub')).mode & 0o7777).toBe(0o750);
    expect(statSync(join(root, 'data/tree/sub/f')).uid).toBe(0); // owned by the container's root
    copyToContainer(cfs, join(host, 'tree'), '/fresh', opts({ archive: true }), 'c'); // new name: becomes the dir
    expect(statSync(join(root, 'fresh/sub/f')).uid).toBe(1234);
    copyToContainer(cfs, `${join(host, 'tree')}/.`, '/data', opts(), 'c'); // contents only
    expect(existsSync(join(root, 'data/sub/f'))).toBe(true);
    copyFromContainer(cfs, '/data', join(host, 'back'), opts(), 'c');
    expect(readFileSync(join(host, 'back/tree/sub/f'), 'utf8')).toBe('f');
    expect(() => copyToContainer(cfs, join(host, 'tree'), '/etc/passwd', opts(), 'c')).toThrow('Cannot copy a directory to a file');
    expect(() => copyToContainer(cfs, join(host, 'secret'), '/no/such/dir/x', opts(), 'c')).toThrow(/parent directory .* does not exist/);
  });

  it('uses the volume source for paths under a volume destination, both ways', () => {
    copyFromContainer(cfs, '/mnt/vol/in-volume', join(host, 'got'), opts(), 'c');
    expect(readFileSync(join(host, 'got'), 'utf8')).toBe('v');
    copyToContainer(cfs, join(host, 'secret'), '/mnt/vol/put', opts(), 'c');
    expect(readFileSync(join(volume, 'put'), 'utf8')).toBe('host secret\n');
    expect(existsSync(join(root, 'mnt/vol/put'))).toBe(false);
    copyFromContainer(cfs, '/mnt', join(host, 'mnt-copy'), opts(), 'c');
    expect(readFileSync(join(host, 'mnt-copy/vol/in-volume'), 'utf8')).toBe('v');
    const ro = new ContainerFs(root, [{ source: volume, destination: '/mnt/vol', readOnly: true }]);
    expect(() => copyToContainer(ro, join(host, 'secret'), '/mnt/vol/x', opts(), 'c')).toThrow(/read-only volume/);
  });

  it('never reads host files through symlinks to /, to ../../.. or to an absolute host path', () => {
    for (const via of ['/rootlink', '/up', '/hostlink/..', '/rootlink/../..']) {
      const out = join(base, `out-${via.replace(/\W/g, '_')}`);
      expect(() => copyFromContainer(cfs, `${via}${host}/secret`, out, opts(), 'c')).toThrow(/Could not find/);
      expect(existsSync(out)).toBe(false);
    }
    expect(() => copyFromContainer(cfs, '/hostlink/secret', join(base, 'o'), opts(), 'c')).toThrow(/Could not find/);
    copyFromContainer(cfs, '/rootlink/etc/passwd', join(base, 'ok'), opts(), 'c');
    expect(readFileSync(join(base, 'ok'), 'utf8')).toBe('container passwd\n');
  });

  it('never writes host files through symlinks', () => {
    writeFileSync(join(base, 'payload'), 'evil');
    expect(() => copyToContainer(cfs, join(base, 'payload'), `/rootlink${host}/secret`, opts(), 'c')).toThrow(/parent directory/);
    expect(() => copyToContainer(cfs, join(base, 'payload'), '/hostlink/secret', opts(), 'c')).toThrow(/parent directory/);
    expect(readFileSync(join(host, 'secret'), 'utf8')).toBe('host secret\n');
    mkdirSync(join(root, host), { recursive: true });
    copyToContainer(cfs, join(base, 'payload'), `/rootlink${host}/secret`, opts(), 'c');
    expect(readFileSync(join(host, 'secret'), 'utf8')).toBe('host secret\n');
    expect(readFileSync(join(root, host.slice(1), 'secret'), 'utf8')).toBe('evil'); // landed inside the root
    copyToContainer(cfs, join(base, 'payload'), '/passwd-link', opts(), 'c'); // follows the link inside the root
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toBe('evil');
    expect(readlinkSync(join(root, 'passwd-link'))).toBe('/etc/passwd');
    const hostTarget = join(host, 'planted');
    copyToContainer(cfs, join(base, 'payload'), `/up/../..${hostTarget}`, opts(), 'c'); // the root has that dir now
    expect(existsSync(hostTarget)).toBe(false);
    expect(readFileSync(join(root, hostTarget), 'utf8')).toBe('evil');
  });

  it('copies a symlink as a symlink unless -L', () => {
    copyFromContainer(cfs, '/passwd-link', join(host, 'l'), opts(), 'c');
    expect(lstatSync(join(host, 'l')).isSymbolicLink()).toBe(true);
    copyFromContainer(cfs, '/passwd-link', join(host, 'f'), opts({ followLink: true }), 'c');
    expect(readFileSync(join(host, 'f'), 'utf8')).toBe('container passwd\n');
  });

  it('fails the walk instead of following a symlink swapped in after resolution', () => {
    const resolved = cfs.resolve('/data/sub/file', true);
    mkdirSync(join(root, 'data/sub'));
    rmSync(join(root, 'data/sub'), { recursive: true });
    symlinkSync(host, join(root, 'data/sub')); // the race: a directory became a link to the host
    expect(() => cfs.openDir(resolved.components.slice(0, -1))).toThrow(/changed while copying/);
    symlinkSync('/', join(root, 'data/sub2'));
    expect(() => cfs.openDir(['data', 'sub2'])).toThrow(/changed while copying/);
  });
});
