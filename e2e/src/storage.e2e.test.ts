import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './harness';

const sandbox = new Sandbox('storage', { defaultNetwork: 'none' });

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

describe('container layers and commit', () => {
  it('commits a container: its new file is there and its deleted file is gone in the new image', async () => {
    await sandbox.ok(['run', '--name', 'a', 'busybox', 'sh', '-c', 'echo committed > /hello.txt; rm /etc/group']);
    const id = (await sandbox.ok(['commit', 'a', 'snap'])).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await sandbox.ok(['run', '--rm', 'snap', 'cat', '/hello.txt'])).toBe('committed\n');
    const r = await sandbox.run(['run', '--rm', 'snap', 'ls', '/etc/group']);
    expect(r.code).not.toBe(0);
    expect(await sandbox.ok(['run', '--rm', 'snap', 'cat', '/etc/passwd'])).toMatch(/^root:x:0:0/);
    // The original image is untouched.
    expect(await sandbox.ok(['run', '--rm', 'busybox', 'ls', '/etc/group'])).toBe('/etc/group\n');
    expect(await sandbox.ok(['images'])).toMatch(/^snap\s+latest\s+[0-9a-f]{12}\s/m);
  });

  it('exports a stopped container as a flat tar and leaves it unmounted', async () => {
    const out = join(sandbox.dir, 'a.tar');
    await sandbox.ok(['export', 'a', '-o', out]);
    expect(existsSync(out)).toBe(true);
    const tar = readFileSync(out);
    expect(tar.includes(Buffer.from('hello.txt'))).toBe(true);
    expect(tar.includes(Buffer.from('.wh.'))).toBe(false);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts.includes(sandbox.dir)).toBe(false);
  });

  it('refuses to remove an image a container uses, unless forced, and unmounts on stop', async () => {
    await sandbox.ok(['run', '--name', 'b', 'snap', 'true']);
    const refused = await sandbox.run(['rmi', 'snap']);
    expect(refused.code).not.toBe(0);
    // Docker's words (issue 14): the container is named by its short id.
    const id = (await sandbox.ok(['inspect', '-f', '{{.Id}}', 'b'])).trim().slice(0, 12);
    expect(refused.stderr).toMatch(new RegExp(`container ${id} is using its referenced image`));
    expect(readFileSync('/proc/self/mountinfo', 'utf8').includes(sandbox.dir)).toBe(false);
    await sandbox.ok(['rm', 'b']);
    expect(await sandbox.ok(['rmi', 'snap'])).toMatch(/Deleted: sha256:/);
  });

  it('says clearly when an image is unknown', async () => {
    const r = await sandbox.run(['run', 'no-such-image', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/Unable to find image 'no-such-image' locally/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
