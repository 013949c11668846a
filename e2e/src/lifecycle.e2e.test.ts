import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { host, Sandbox, waitFor } from './harness';

describe('container lifecycle', () => {
  const sandbox = new Sandbox('life', { defaultNetwork: 'none' });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  const inspect = async (name: string) => JSON.parse(await sandbox.ok(['container-record', name]))[0];
  const alive = (pid: number) => host('kill', ['-0', String(pid)]).code === 0;

  it('refuses to rm a running container and changes nothing; rm -f removes it', async () => {
    await sandbox.ok(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '1000']);
    const before = await inspect('busy');
    const r = await sandbox.run(['rm', 'busy']);
    expect(r.code).toBe(1); // Docker's
    expect(r.stderr).toMatch(/cannot remove container "\/busy": container is running/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const after = await inspect('busy');
    expect(after.status).toBe('running');
    expect(after.pid).toBe(before.pid);
    expect(alive(before.pid)).toBe(true);
    expect(host('grep', ['-c', before.id, '/proc/self/mountinfo']).stdout.trim()).not.toBe('0');

    await sandbox.ok(['rm', '-f', 'busy']);
    expect(alive(before.pid)).toBe(false);
    expect((await sandbox.run(['container-record', 'busy'])).code).toBe(125);
    expect(existsSync(join(sandbox.root, 'containers', before.id))).toBe(false);
  });

  it('refuses a duplicate name with a Conflict and touches nothing', async () => {
    await sandbox.ok(['run', '-d', '--name', 'dup', 'busybox', 'sleep', '1000']);
    const containersBefore = readdirSync(join(sandbox.root, 'containers')).sort();
    const r = await sandbox.run(['run', '-d', '-name', 'dup', 'busybox', 'sleep', '1000']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/Conflict.*"dup" is already in use/);
    expect(readdirSync(join(sandbox.root, 'containers')).sort()).toEqual(containersBefore);
    await sandbox.ok(['rm', '-f', 'dup']);
  });

  it('says so for an unknown container', async () => {
    // Docker exits 1 for a name its daemon does not know; the hidden engine command keeps 125.
    for (const [cmd, code] of [
      [['stop', 'nope'], 1],
      [['rm', 'nope'], 1],
      [['kill', 'nope'], 1],
      [['container-record', 'nope'], 125],
    ] as const) {
      const r = await sandbox.run([...cmd]);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(/No such container: nope/);
    }
  });

  it('exits 127 for a missing command, with and without -d, and keeps nothing', async () => {
    for (const args of [
      ['run', '--name', 'missing', 'busybox', 'nosuchcmd'],
      ['run', '-d', '--name', 'missing', 'busybox', '/bin/nosuchcmd'],
    ]) {
      const r = await sandbox.run(args);
      expect(r.code).toBe(127);
      expect(r.stderr).toMatch(/not found|no such file/i);
      expect((await sandbox.run(['container-record', 'missing'])).code).toBe(125);
    }
    expect(sandbox.leftovers()).toEqual([]);
  });

  it('exits 126 for a command that cannot be executed', async () => {
    const r = await sandbox.run(['run', '--rm', 'busybox', '/etc/passwd']);
    expect(r.code).toBe(126);
  });

  it('passes the exit code of a foreground container through, and --rm removes it', async () => {
    const r = await sandbox.run(['run', '--rm', '--name', 'three', 'busybox', 'sh', '-c', 'echo out; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect((await sandbox.run(['container-record', 'three'])).code).toBe(125);
  });

  it('-it with a command that exits 3 makes mydocker exit 3', async () => {
    const r = await sandbox.run(['run', '-it', '--rm', 'busybox', 'sh', '-c', 'exit 3']);
    expect(r.code).toBe(3);
  });

  it('shows a detached container that ended by itself as stopped with its code', async () => {
    await sandbox.ok(['run', '-d', '--name', 'short', 'busybox', 'sh', '-c', 'exit 7']);
    const record = await waitFor(
      () => inspect('short'),
      (r) => r.status === 'stopped',
      10_000,
    );
    expect(record.status).toBe('stopped');
    expect(record.exitCode).toBe(7);
    // The monitor's clean-up ran: the root is unmounted, the monitor is gone. The record reads stopped as
    // soon as PID 1 is gone, while the clean-up (a CLI process the monitor starts) may still be on its way:
    // wait for the monitor itself to end, not for a fixed time, which a loaded machine can outlast.
    const monitorGone = () => {
      const stat = host('cat', [`/proc/${record.monitorPid as number}/stat`]).stdout;
      return stat === '' || / Z /.test(stat.slice(stat.lastIndexOf(')')));
    };
    expect(await waitFor(monitorGone, (gone) => gone, 60_000)).toBe(true);
    expect(host('grep', ['-c', record.id, '/proc/self/mountinfo']).stdout.trim()).toBe('0');
    expect((await sandbox.ok(['ps'])).split('\n').find((l) => l.includes('short'))).toMatch(/stopped \(7\)/);
    await sandbox.ok(['rm', 'short']);
  });

  it('isolates the container: no host processes, not the host root, only its own environment', async () => {
    const ps = await sandbox.ok(['run', '--rm', 'busybox', 'ps', '-o', 'pid,comm']);
    const pids = ps
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/));
    expect(pids).toEqual([['1', 'ps']]);
    const ls = await sandbox.ok(['run', '--rm', 'busybox', 'ls', '/']);
    expect(ls).not.toMatch(/\bwork\b/);
    expect(ls).toMatch(/\bbin\b/);
    // The host's Debian files are not there: the root is the image's, after pivot_root.
    expect((await sandbox.run(['run', '--rm', 'busybox', 'cat', '/etc/os-release'])).code).not.toBe(0);
    const env = await sandbox.ok(['run', '--rm', '-e', 'GREETING=hello', 'busybox', 'env'], { env: { HOST_SECRET: 'leak' } });
    expect(env).toMatch(/^GREETING=hello$/m);
    expect(env).not.toMatch(/HOST_SECRET|MYDOCKER_ROOT/);
    expect(env).toMatch(/^PATH=/m);
    // Docker's default host name is the short id; --hostname sets another.
    const named = await sandbox.run(['run', '--name', 'named', 'busybox', 'sh', '-c', 'hostname']);
    const namedId = (await sandbox.ok(['inspect', '-f', '{{.Id}}', 'named'])).trim();
    expect(named.stdout.trim()).toBe(namedId.slice(0, 12));
    await sandbox.ok(['rm', 'named']);
    expect((await sandbox.ok(['run', '--rm', '--name', 'named', '--hostname', 'web1', 'busybox', 'hostname'])).trim()).toBe('web1');
  });
});
