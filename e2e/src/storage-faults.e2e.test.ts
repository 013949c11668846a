/**
 * Issues 12 ("Layer extraction", "Smaller holes") and 13 ("Full disk", damaged state) for the storage
 * plugin: malformed and killed loads, a full disk under commit and rm -f, cp into a read-only root,
 * volumes over /proc, and commit onto a name that exists. Each asserts the exit code, one sentence on
 * stderr, and that nothing is left behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { MYDOCKER_BIN, Sandbox, waitFor } from './harness';
import { busyboxLayer, dockerSave, storageScratch, tar } from './tar-fixtures';

const sandbox = new Sandbox('stfaults', { defaultNetwork: 'none' });

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

function oneSentence(stderr: string): void {
  expect(stderr).toMatch(/^Error: /);
  expect(stderr).not.toMatch(/Error: Error:|\n\s+at /);
  expect(stderr.trim().split('\n')).toHaveLength(1);
}

/** The unique layer each archive test uses, so "no layer was extracted" is visible in the store. */
function uniqueLayer(label: string): Buffer {
  return tar([{ path: `${label}.txt`, body: `${label} ${Date.now()}\n` }]);
}

describe('malformed archives: one sentence, exit 125, nothing left', () => {
  async function refused(archive: Buffer, pattern: RegExp): Promise<void> {
    const file = join(sandbox.dir, 'archive.tar');
    writeFileSync(file, archive);
    const before = storageScratch(sandbox.root);
    const images = await sandbox.ok(['images', '-q']);
    const r = await sandbox.run(['load', '-i', file]);
    expect(r.code).toBe(125);
    oneSentence(r.stderr);
    expect(r.stderr).toMatch(pattern);
    expect(storageScratch(sandbox.root)).toEqual(before);
    expect(await sandbox.ok(['images', '-q'])).toBe(images);
  }

  it('a manifest naming a layer the archive lacks', async () => {
    await refused(dockerSave([uniqueLayer('present'), uniqueLayer('absent')], ['missing:latest'], { omitLayer: 1 }), /layer 2 .*is missing/);
  });

  it('a bad repository tag is refused before any layer is extracted', async () => {
    await refused(dockerSave([uniqueLayer('badtag')], ['Not A Valid:Tag!']), /invalid repository tag "Not A Valid:Tag!": nothing was loaded/);
  });

  it('RepoTags that are not names', async () => {
    await refused(dockerSave([uniqueLayer('badtype')], [42]), /RepoTags/);
  });

  it('garbage', async () => {
    await refused(Buffer.from('\x00garbage, not a tar archive\n'.repeat(100)), /Cannot read .* as an image archive/);
  });

  it('a manifest that is not JSON', async () => {
    await refused(tar([{ path: 'manifest.json', body: '[{"Config": ' }]), /is not an image archive/);
  });

  it('a layer that is a symlink to a host file is looked up inside the archive, never on the host', async () => {
    // The host file is a valid layer with the right digest: on the old code it was loaded as the image.
    const hostLayer = uniqueLayer('host-secret');
    const hostFile = join(sandbox.dir, 'host-layer.tar');
    writeFileSync(hostFile, hostLayer);
    const archive = dockerSave([hostLayer], ['hostfile:latest'], { omitLayer: 0 });
    const withLink = Buffer.concat([archive.subarray(0, archive.length - 1024), tar([{ path: 'l0/layer.tar', type: 'SymbolicLink', linkpath: hostFile }])]);
    await refused(withLink, /layer 1 .*is missing from the archive/);
  });

  it("docker's legacy format: a layer that links to another one inside the archive loads", async () => {
    const layer = busyboxLayer([{ path: 'etc/legacy', body: 'linked\n' }]);
    const archive = dockerSave([layer], ['legacy:latest'], { omitLayer: 0 });
    const shared = tar([
      { path: 'shared/', type: 'Directory' },
      { path: 'shared/layer.tar', body: layer },
      { path: 'l0/layer.tar', type: 'SymbolicLink', linkpath: '../shared/layer.tar' },
    ]);
    const file = join(sandbox.dir, 'legacy.tar');
    writeFileSync(file, Buffer.concat([archive.subarray(0, archive.length - 1024), shared]));
    expect(await sandbox.ok(['load', '-i', file])).toBe('Loaded image: legacy:latest\n');
    expect(await sandbox.ok(['run', '--rm', 'legacy', 'cat', '/etc/legacy'])).toBe('linked\n');
    await sandbox.ok(['rmi', 'legacy']);
  });

  it('a layer whose bytes do not match its diff id', async () => {
    const archive = dockerSave([uniqueLayer('honest')], ['mismatch:latest']);
    // Same length, other bytes: the config still names the honest layer's digest.
    const swapped = Buffer.from(
      archive.toString('latin1').replace(/honest \d+/, (m) => m.replace(/\d/g, '7')),
      'latin1',
    );
    await refused(swapped, /layer 1 does not match the digest/);
  });
});

/** A docker-save archive of `mb` megabytes, written in pieces (one layer holding one file of zeros). */
function bigArchive(file: string, mb: number): void {
  const size = mb * 1024 * 1024;
  const header = (path: string, n: number, type: 'File' | 'Directory' = 'File') => {
    const h = Buffer.alloc(512);
    const { Header } = require('tar') as typeof import('tar');
    new Header({ path, type, size: n, mode: 0o644, uid: 0, gid: 0, mtime: new Date(1_700_000_000_000) }).encode(h, 0);
    return h;
  };
  const chunk = Buffer.alloc(1024 * 1024);
  const layerHead = header('big', size);
  const layerTail = Buffer.alloc(1024);
  const layerSize = 512 + size + 1024;
  const digest = createHash('sha256').update(layerHead);
  for (let i = 0; i < mb; i++) digest.update(chunk);
  digest.update(layerTail);
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [`sha256:${digest.digest('hex')}`] } });
  const manifest = JSON.stringify([{ Config: 'config.json', RepoTags: ['big:latest'], Layers: ['l/layer.tar'] }]);
  const fd = openSync(file, 'w');
  const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);
  writeSync(fd, header('config.json', config.length));
  writeSync(fd, Buffer.concat([Buffer.from(config), pad(config.length)]));
  writeSync(fd, header('manifest.json', manifest.length));
  writeSync(fd, Buffer.concat([Buffer.from(manifest), pad(manifest.length)]));
  writeSync(fd, header('l/layer.tar', layerSize));
  writeSync(fd, layerHead);
  for (let i = 0; i < mb; i++) writeSync(fd, chunk);
  writeSync(fd, layerTail);
  writeSync(fd, pad(layerSize));
  writeSync(fd, Buffer.alloc(1024));
  closeSync(fd);
}

describe('a load killed half-way', () => {
  it('leaves only scratch, which system prune removes', async () => {
    const file = join(sandbox.dir, 'big.tar');
    bigArchive(file, 192);
    const before = storageScratch(sandbox.root);
    const child = spawn(process.execPath, [MYDOCKER_BIN, 'load', '-i', file], { env: sandbox.env, stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    // The layer's own scratch appears once the archive is unpacked: the load is deep in its work.
    const seen = await waitFor(
      () => storageScratch(sandbox.root).scratch.length > before.scratch.length,
      (v) => v,
      60_000,
    );
    child.kill('SIGKILL');
    await exited;
    expect(seen).toBe(true);
    const left = storageScratch(sandbox.root);
    expect(left.tmp).toHaveLength(1);
    expect(left.scratch).toHaveLength(1);
    expect(await sandbox.ok(['system', 'prune'])).toMatch(/1 unfinished layer\n1 unfinished load or save scratch directory\n/);
    expect(storageScratch(sandbox.root)).toEqual(before);
    expect(await sandbox.ok(['images', '-q', 'big'])).toBe('');
  });
});

describe('a full disk (a 16 MB tmpfs root)', () => {
  const disk = new Sandbox('fulldisk', { defaultNetwork: 'none' });
  beforeAll(() => {
    mkdirSync(disk.root, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', disk.root]);
  });
  afterAll(async () => {
    const ids = (await disk.run(['ps', '-a', '-q'])).stdout.split('\n').filter(Boolean);
    if (ids.length) await disk.run(['rm', '-f', ...ids]);
    execFileSync('umount', [disk.root]);
    expect(await disk.destroy()).toEqual([]);
  });

  it('commit is one sentence and its scratch is gone at once; rm -f of a running container still works', async () => {
    // 8 MB in the container's layer: copying it for the commit cannot fit in what is left.
    // --net none: the storage is under test; the default network's address book in the same full root would add
    // a release warning of its own to rm -f.
    await disk.ok([
      'run',
      '-d',
      '--net',
      'none',
      '--name',
      'filler',
      'busybox',
      'sh',
      '-c',
      'dd if=/dev/zero of=/big bs=1M count=8 2>/dev/null; touch /done; sleep 1000',
    ]);
    await waitFor(
      () =>
        existsSync(join(disk.root, 'storage/overlay/containers')) &&
        readdirSync(join(disk.root, 'storage/overlay/containers')).some((id) => existsSync(join(disk.root, 'storage/overlay/containers', id, 'diff/done'))),
      (v) => v,
      20_000,
    );
    const images = await disk.ok(['images', '-q']);
    const r = await disk.run(['commit', 'filler', 'snap']);
    expect(r.code).toBe(125);
    oneSentence(r.stderr);
    expect(r.stderr).toMatch(new RegExp(`^Error: No space left on ${disk.root}: free space and retry\\.`));
    expect(storageScratch(disk.root).scratch).toEqual([]);
    expect(await disk.ok(['images', '-q'])).toBe(images);

    // Now fill the disk to the last byte: removal must not need to write first.
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${join(disk.root, 'ballast')}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // dd stops with ENOSPC: that is the point.
    }
    expect(execFileSync('df', ['--output=avail', disk.root], { encoding: 'utf8' }).split('\n')[1].trim()).toBe('0');
    // Whatever else needs space says so in one sentence and leaves nothing half made.
    const payload = join(disk.dir, 'payload');
    writeFileSync(payload, 'x'.repeat(64 * 1024));
    for (const args of [
      ['cp', payload, 'filler:/payload'],
      ['volume', 'create', 'v1'],
      ['save', '-o', join(disk.dir, 'saved.tar'), 'busybox'],
    ]) {
      const full = await disk.run(args);
      expect({ args, code: full.code }).toEqual({ args, code: 125 });
      oneSentence(full.stderr);
      expect(full.stderr).toMatch(/^Error: No space left on .*: free space and retry\.\n$/);
    }
    expect(readdirSync(join(disk.root, 'volumes'))).toEqual([]);
    expect((await disk.run(['exec', 'filler', 'test', '-e', '/payload'])).code).toBe(1);
    expect(storageScratch(disk.root)).toEqual({ ...storageScratch(disk.root), scratch: [], tmp: [] });
    expect(existsSync(join(disk.dir, 'saved.tar'))).toBe(false);
    const rm = await disk.run(['rm', '-f', 'filler']);
    expect(rm).toEqual({ code: 0, stdout: 'filler\n', stderr: '' });
    expect(await disk.ok(['ps', '-a', '-q'])).toBe('');
    expect(readdirSync(join(disk.root, 'storage/overlay/containers'))).toEqual([]);
    expect(disk.leftovers().filter((l) => !l.includes(`mount: ${disk.root}`))).toEqual([]);
  });
});

describe('cp into a container with a read-only root file system', () => {
  it('is refused as Docker refuses it; its writable volume still takes the copy', async () => {
    const src = join(sandbox.dir, 'payload.txt');
    writeFileSync(src, 'payload\n');
    await sandbox.ok(['run', '-d', '--read-only', '--name', 'ro', '-v', 'rodata:/data', 'busybox', 'sleep', '1000']);
    const r = await sandbox.run(['cp', src, 'ro:/etc/payload.txt']);
    expect(r.code).toBe(125);
    oneSentence(r.stderr);
    expect(r.stderr).toMatch(/read-only root file system/);
    expect((await sandbox.run(['exec', 'ro', 'test', '-e', '/etc/payload.txt'])).code).toBe(1);
    const root = await sandbox.run(['cp', `${sandbox.dir}/.`, 'ro:/']);
    expect(root.code).toBe(125);
    await sandbox.ok(['cp', src, 'ro:/data/payload.txt']);
    expect(await sandbox.ok(['exec', 'ro', 'cat', '/data/payload.txt'])).toBe('payload\n');
    await sandbox.ok(['rm', '-f', '-v', 'ro']);
    await sandbox.ok(['volume', 'rm', 'rodata']);
  });
});

describe('volumes over /proc and the masked paths', () => {
  it.each(['/proc', '/proc/sys', '/proc/sysrq-trigger', '/proc/1/root', '/sys/firmware'])('-v HOST:%s is refused at validate, nothing made', async (dest) => {
    const source = join(sandbox.dir, `never-made-${dest.replace(/\//g, '_')}`);
    const r = await sandbox.run(['run', '--rm', '-v', `${source}:${dest}`, 'busybox', 'true']);
    expect(r.code).toBe(125);
    oneSentence(r.stderr);
    expect(r.stderr).toMatch(/cannot be mounted/);
    expect(existsSync(source)).toBe(false);
    expect(await sandbox.ok(['ps', '-a', '-q'])).toBe('');
  });

  it("a destination that reaches /proc through the image's own symlink is refused too, and rolled back", async () => {
    const file = join(sandbox.dir, 'procalias.tar');
    writeFileSync(file, busyboxLayer([{ path: 'data', type: 'SymbolicLink', linkpath: '/proc/sys' }]));
    await sandbox.ok(['import', file, 'procalias:latest']);
    const r = await sandbox.run(['run', '--rm', '-v', `${sandbox.dir}:/data/kernel`, 'procalias', 'true']);
    expect(r.code).toBe(125);
    oneSentence(r.stderr);
    expect(r.stderr).toMatch(/resolves to "\/proc\/sys\/kernel"/);
    expect(await sandbox.ok(['ps', '-a', '-q'])).toBe('');
    expect(readdirSync(join(sandbox.root, 'storage/overlay/containers'))).toEqual([]);
  });

  it('the lxcfs files runc allows under /proc stay allowed', async () => {
    const fake = join(sandbox.dir, 'uptime');
    writeFileSync(fake, '12345.00 0.00\n');
    expect(await sandbox.ok(['run', '--rm', '-v', `${fake}:/proc/uptime:ro`, 'busybox', 'cat', '/proc/uptime'])).toBe('12345.00 0.00\n');
  });

  it('runc refuses the same mount inside /proc (the rule we follow)', () => {
    const bundle = join(sandbox.dir, 'runc-bundle');
    mkdirSync(join(bundle, 'rootfs'), { recursive: true });
    execFileSync('runc', ['spec', '--bundle', bundle]);
    const configPath = join(bundle, 'config.json');
    const config = JSON.parse(require('node:fs').readFileSync(configPath, 'utf8'));
    config.process.terminal = false;
    config.process.args = ['/bin/true'];
    config.mounts.push({ destination: '/proc/sys', type: 'bind', source: sandbox.dir, options: ['rbind'] });
    writeFileSync(configPath, JSON.stringify(config));
    execFileSync('cp', ['-a', '/bin/busybox', join(bundle, 'rootfs/')]);
    let stderr = '';
    try {
      execFileSync('runc', ['run', '--bundle', bundle, `stfaults-${process.pid}`], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    } catch (err) {
      stderr = String((err as { stderr?: string }).stderr);
    }
    expect(stderr).toMatch(/cannot be mounted because it is inside \/proc/);
  });
});

describe('commit onto a name that exists', () => {
  it('moves the name to the new image, as Docker does; the old image keeps its id', async () => {
    await sandbox.ok(['run', '--name', 'c1', 'busybox', 'sh', '-c', 'echo one > /which']);
    await sandbox.ok(['run', '--name', 'c2', 'busybox', 'sh', '-c', 'echo two > /which']);
    const first = (await sandbox.ok(['commit', 'c1', 'snapshot:v1'])).trim();
    const second = (await sandbox.ok(['commit', 'c2', 'snapshot:v1'])).trim();
    expect(second).not.toBe(first);
    expect(await sandbox.ok(['run', '--rm', 'snapshot:v1', 'cat', '/which'])).toBe('two\n');
    // The old image is still there, by id, with no name (Docker's dangling <none>).
    const old = JSON.parse(await sandbox.ok(['image', 'inspect', first.slice(7)]));
    expect(old[0].Id).toBe(first);
    expect(old[0].RepoTags).toEqual([]);
    expect(await sandbox.ok(['run', '--rm', first.slice(7, 19), 'cat', '/which'])).toBe('one\n');
    await sandbox.ok(['rm', 'c1', 'c2']);
  });
});
