import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './harness';

const sandbox = new Sandbox('volumes', { defaultNetwork: 'none' });

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

describe('volumes', () => {
  it('shares a named volume between containers and keeps its data after they are gone', async () => {
    await sandbox.ok(['run', '--rm', '-v', 'shared:/data', 'busybox', 'sh', '-c', 'echo from-first > /data/msg']);
    expect(await sandbox.ok(['run', '--rm', '-v', 'shared:/data', 'busybox', 'cat', '/data/msg'])).toBe('from-first\n');
    expect(await sandbox.ok(['volume', 'ls', '-q'])).toBe('shared\n');
    const [info] = JSON.parse(await sandbox.ok(['volume', 'inspect', 'shared']));
    expect(readFileSync(join(info.Mountpoint, 'msg'), 'utf8')).toBe('from-first\n');
  });

  it('bind mounts a host dir (created if missing), several -v at once, and :ro refuses writes', async () => {
    const host = join(sandbox.dir, 'host', 'sub');
    const out = await sandbox.run([
      'run',
      '--rm',
      '-v',
      `${host}:/h`,
      '-v',
      `${host}:/ro:ro`,
      '-v',
      'shared:/data:ro',
      'busybox',
      'sh',
      '-c',
      'echo w > /h/file; cat /ro/file; cat /data/msg; touch /ro/nope || echo ro-refused; touch /data/nope || echo vol-refused',
    ]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('w\nfrom-first\nro-refused\nvol-refused\n');
    expect(readFileSync(join(host, 'file'), 'utf8')).toBe('w\n');
    expect(existsSync(join(host, 'nope'))).toBe(false);
  });

  it('rm -v removes the anonymous volumes only', async () => {
    await sandbox.ok(['run', '--name', 'v1', '-v', '/anon', '-v', 'keep:/keep', 'busybox', 'sh', '-c', 'echo a > /anon/a; echo k > /keep/k']);
    const before = (await sandbox.ok(['volume', 'ls', '-q'])).split('\n').filter(Boolean);
    expect(before).toHaveLength(3);
    const anon = before.find((n) => /^[0-9a-f]{64}$/.test(n))!;
    expect(anon).toBeDefined();
    const inUse = await sandbox.run(['volume', 'rm', 'keep']);
    expect(inUse.code).not.toBe(0);
    expect(inUse.stderr).toMatch(/in use by container v1/);
    await sandbox.ok(['rm', '-v', 'v1']);
    expect((await sandbox.ok(['volume', 'ls', '-q'])).split('\n').filter(Boolean).sort()).toEqual(['keep', 'shared']);
    await sandbox.ok(['volume', 'rm', 'keep']);
    expect(readdirSync(join(sandbox.root, 'volumes')).sort()).toEqual(['shared']);
  });

  it.each([
    ['relative:path', /must be absolute/],
    ['/a:/b:rw:ro', /too many/],
    ['', /Invalid volume ""/],
    ['/a:/b:rx', /mode "rx"/],
  ])('refuses -v %j with one sentence and exit 125, changing nothing', async (spec, message) => {
    const r = await sandbox.run(['run', '--rm', '-v', spec, 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect((await sandbox.ok(['ps', '-a', '-q'])).trim()).toBe('');
    expect(await sandbox.ok(['volume', 'ls', '-q'])).toBe('shared\n');
  });
});
