import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './harness';

/** The third-party vfs driver, loaded by name from a config file, runs containers end to end. */
describe('vfs storage driver (mydocker-storage-vfs)', () => {
  const sandbox = new Sandbox('vfs', { defaultNetwork: 'none' });
  const config = join(sandbox.dir, 'config.json');
  const vfsContainers = join(sandbox.root, 'storage/vfs/containers');

  beforeAll(() => {
    writeFileSync(config, JSON.stringify({ plugins: ['mydocker-storage-vfs'], storageDriver: 'vfs' }));
  });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
    expect(existsSync(vfsContainers)).toBe(false);
  });

  it('is the storage driver named by the config (--config)', async () => {
    const out = await sandbox.ok(['--config', config, 'info']);
    expect(out).toMatch(/StorageDriver:\s+vfs/);
    expect(out).toContain('mydocker-storage-vfs');
  });

  it('runs a container whose root is a plain copy (MYDOCKER_CONFIG)', async () => {
    const env = { MYDOCKER_CONFIG: config };
    const out = await sandbox.ok(['run', '--name', 'plain', 'busybox', 'sh', '-c', 'echo written > /written && cat /written && ls /bin/busybox'], { env });
    expect(out).toBe('written\n/bin/busybox\n');
    const [id] = readdirSync(vfsContainers);
    expect(readFileSync(join(vfsContainers, id, 'root/written'), 'utf8')).toBe('written\n');
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(id); // no union mount on the host
    await sandbox.ok(['rm', 'plain'], { env });
    expect(readdirSync(vfsContainers)).toEqual([]);
  });

  it('runs a detached container, stops it and copies files out of it', async () => {
    const env = { MYDOCKER_CONFIG: config };
    await sandbox.ok(['run', '-d', '--name', 'bg', 'busybox', 'sh', '-c', 'echo bg > /state; sleep 300'], { env });
    await sandbox.ok(['exec', 'bg', 'sh', '-c', 'while [ ! -e /state ]; do sleep 0.05; done'], { env });
    await sandbox.ok(['stop', '-t', '1', 'bg'], { env });
    const out = join(sandbox.dir, 'state');
    await sandbox.ok(['cp', 'bg:/state', out], { env });
    expect(readFileSync(out, 'utf8')).toBe('bg\n');
    await sandbox.ok(['rm', 'bg'], { env });
  });

  it('refuses an unknown driver in the config with one sentence', async () => {
    const bad = join(sandbox.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ storageDriver: 'nosuch' }));
    const r = await sandbox.run(['--config', bad, 'run', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/Unknown storage driver "nosuch"/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
