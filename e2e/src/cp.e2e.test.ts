import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './harness';

/** `mydocker cp`: both directions, running and stopped containers, and symlinks that try to leave the root. */
describe('cp', () => {
  const sandbox = new Sandbox('cp', { defaultNetwork: 'none' });
  const host = join(sandbox.dir, 'host');
  const secret = join(host, 'secret');
  let stoppedId: string;

  const mountedIds = () => readFileSync('/proc/self/mountinfo', 'utf8');

  beforeAll(async () => {
    mkdirSync(join(host, 'tree/sub'), { recursive: true });
    writeFileSync(secret, 'host secret\n');
    writeFileSync(join(host, 'tool'), '#!/bin/sh\necho tool\n');
    chmodSync(join(host, 'tool'), 0o750);
    utimesSync(join(host, 'tool'), 1_000_000_000, 1_000_000_000);
    writeFileSync(join(host, 'tree/sub/leaf'), 'leaf\n');
    writeFileSync(join(host, 'payload'), 'evil\n');
    await sandbox.ok(['run', '-d', '--name', 'live', 'busybox', 'sleep', '300']);
    // Symlinks a hostile image could ship: to /, climbing with .., and naming a host path.
    const setup = `mkdir -p /data/dir && echo inside > /data/dir/f && ln -s / /data/rootlink && ln -s ../../../../../.. /data/up && ln -s ${host} /data/hostlink`;
    await sandbox.ok(['run', '--name', 'done', 'busybox', 'sh', '-c', setup]);
    await sandbox.ok(['exec', 'live', 'sh', '-c', setup]);
    stoppedId = (await sandbox.ok(['container-record', 'done'])).match(/"id":\s*"([0-9a-f]{64})"/)![1];
  });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('copies a file into a running container, keeping its mode and mtime', async () => {
    await sandbox.ok(['cp', join(host, 'tool'), 'live:/usr/bin/tool']);
    expect(await sandbox.ok(['exec', 'live', '/usr/bin/tool'])).toBe('tool\n');
    expect(await sandbox.ok(['exec', 'live', 'stat', '-c', '%a %u %Y', '/usr/bin/tool'])).toBe('750 0 1000000000\n');
  });

  it('copies a file out of a running container', async () => {
    await sandbox.ok(['exec', 'live', 'sh', '-c', 'echo made-inside > /tmp/made && chmod 604 /tmp/made']);
    const out = join(sandbox.dir, 'made');
    await sandbox.ok(['cp', 'live:/tmp/made', out]);
    expect(readFileSync(out, 'utf8')).toBe('made-inside\n');
    expect(statSync(out).mode & 0o777).toBe(0o604);
  });

  it('sees the files mounted into the container (/etc/hostname), not the empty mount targets under them', async () => {
    const out = join(sandbox.dir, 'hostname');
    await sandbox.ok(['cp', 'live:/etc/hostname', out]);
    expect(readFileSync(out, 'utf8')).toBe(await sandbox.ok(['exec', 'live', 'cat', '/etc/hostname']));
    // Docker's default host name: the short id.
    const id = (await sandbox.ok(['inspect', '-f', '{{.Id}}', 'live'])).trim();
    expect(readFileSync(out, 'utf8')).toBe(`${id.slice(0, 12)}\n`);
  });

  it('copies directories both ways on a stopped container, and leaves it unmounted', async () => {
    await sandbox.ok(['cp', join(host, 'tree'), 'done:/data']);
    const back = join(sandbox.dir, 'back');
    await sandbox.ok(['cp', 'done:/data', back]);
    expect(readFileSync(join(back, 'tree/sub/leaf'), 'utf8')).toBe('leaf\n');
    expect(readFileSync(join(back, 'dir/f'), 'utf8')).toBe('inside\n');
    const contents = join(sandbox.dir, 'contents');
    mkdirSync(contents);
    await sandbox.ok(['cp', 'done:/data/dir/.', contents]);
    expect(readdirSync(contents)).toEqual(['f']);
    expect(mountedIds()).not.toContain(stoppedId);
  });

  it.each(['live', 'done'])('never reads host files through symlinks in %s', async (name) => {
    for (const via of ['/data/rootlink', '/data/up', '/data/hostlink/..']) {
      const out = join(sandbox.dir, `leak-${name}-${via.replace(/\W/g, '_')}`);
      const r = await sandbox.run(['cp', `${name}:${via}${secret}`, out]);
      expect(r.code).toBe(125);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
    const r = await sandbox.run(['cp', `${name}:/data/hostlink/secret`, join(sandbox.dir, `leak-${name}`)]);
    expect(r.code).toBe(125);
    expect(existsSync(join(sandbox.dir, `leak-${name}`))).toBe(false);
  });

  it.each(['live', 'done'])('never writes host files through symlinks in %s', async (name) => {
    for (const dest of [`/data/rootlink${secret}`, `/data/up${secret}`, '/data/hostlink/secret']) {
      const r = await sandbox.run(['cp', join(host, 'payload'), `${name}:${dest}`]);
      expect(r.code).toBe(125);
    }
    expect(readFileSync(secret, 'utf8')).toBe('host secret\n');
    // A target that exists inside the root is written there, not on the host.
    await sandbox.ok(['cp', join(host, 'payload'), `${name}:/data/up/etc/planted`]);
    expect(existsSync('/etc/planted')).toBe(false);
    const check = join(sandbox.dir, `planted-${name}`);
    await sandbox.ok(['cp', `${name}:/etc/planted`, check]);
    expect(readFileSync(check, 'utf8')).toBe('evil\n');
  });

  it('refuses bad arguments with one sentence and exit 125', async () => {
    for (const args of [
      ['cp', '/a', '/b'],
      ['cp', 'live:/a', 'done:/b'],
      ['cp', 'nosuch:/etc/passwd', sandbox.dir],
      ['cp', 'live:/no/such', sandbox.dir],
    ]) {
      const r = await sandbox.run(args);
      expect(r.code).toBe(125);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
