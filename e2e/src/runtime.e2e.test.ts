import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MYDOCKER_BIN, Sandbox, waitFor } from './harness';

/** The runtime: namespaces, the monitor, exit codes, stdio and the pty. */
const sandbox = new Sandbox('runtime', { defaultNetwork: 'none' });

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

it('runs a command and removes it with --rm', async () => {
  const r = await sandbox.run(['run', '--rm', 'busybox', '/bin/true']);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  expect((await sandbox.run(['ps', '-a', '-q'])).stdout.trim()).toBe('');
});

it('passes the exit code and the output of a foreground container', async () => {
  const r = await sandbox.run(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  expect(r).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
});

it('gives the container its own PID namespace, hostname and only its own environment', async () => {
  const r = await sandbox.run(
    ['run', '--rm', '--name', 'envbox', '--hostname', 'envhost', '-e', 'GREETING=hi', 'busybox', 'sh', '-c', 'echo pid=$$; hostname; env'],
    {
      env: { SECRET_HOST_VAR: 'leak' },
    },
  );
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('pid=1\n');
  expect(r.stdout).toContain('envhost\n');
  expect(r.stdout).toContain('GREETING=hi\n');
  expect(r.stdout).not.toContain('SECRET_HOST_VAR');
  expect(r.stdout).not.toContain('MYDOCKER_ROOT');
});

it('runs the seed’s detached top, visible on the host and as PID 1 inside', async () => {
  const id = (await sandbox.ok(['run', '-d', '-name', 'test', 'busybox', 'top'])).trim();
  expect(id).toMatch(/^[0-9a-f]{64}$/);
  const record = JSON.parse(await sandbox.ok(['container-record', 'test']))[0] ?? JSON.parse(await sandbox.ok(['container-record', 'test']));
  const pid: number = record.pid ?? record.Pid ?? record.State?.Pid;
  expect(pid).toBeGreaterThan(1);
  const ps = spawnSync('ps', ['-ef'], { encoding: 'utf8' }).stdout;
  expect(ps.split('\n').some((l) => l.split(/\s+/)[1] === String(pid) && l.endsWith('top'))).toBe(true);
  // The monitor, not the CLI, is the parent, and the CLI is gone.
  const ppid = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1];
  expect(readFileSync(`/proc/${ppid}/cmdline`, 'utf8')).toContain('mydocker-init');
  const inside = await sandbox.ok(['exec', 'test', 'ps', '-o', 'pid,comm']);
  expect(inside).toMatch(/^\s*1\s+top$/m);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${ppid}/status`, 'utf8'))![1]);
  expect(rss).toBeLessThan(2048);
  await sandbox.ok(['stop', '-t', '1', 'test']);
  // `ps -a` is Docker's layout (issue 15): the status reads "Exited (143) ... ago" and NAMES is last.
  const ps2 = await sandbox.ok(['ps', '-a']);
  expect(ps2).toMatch(/Exited \(143\) .* ago\s+test\n/);
  await sandbox.ok(['rm', 'test']);
});

it('a detached container that ends on its own is cleaned up by its monitor', async () => {
  await sandbox.ok(['run', '-d', '--name', 'short', 'busybox', 'sh', '-c', 'echo bye; exit 6']);
  const ps = await waitFor(
    () => sandbox.ok(['ps', '-a']),
    (out) => /Exited \(6\) .* ago\s+short\n/.test(out),
    10_000,
  );
  expect(ps).toMatch(/Exited \(6\) .* ago\s+short\n/);
  await sandbox.ok(['rm', 'short']);
});

it('a missing command is 127 and a non-executable one 126, with and without -d', async () => {
  const missing = await sandbox.run(['run', '--rm', 'busybox', 'nosuchcmd']);
  expect(missing.code).toBe(127);
  expect(missing.stderr).toContain('exec: "nosuchcmd": executable file not found in $PATH');
  const missingD = await sandbox.run(['run', '-d', '--rm', 'busybox', 'nosuchcmd']);
  expect(missingD.code).toBe(127);
  const notExec = await sandbox.run(['run', '--rm', 'busybox', '/etc/passwd']);
  expect(notExec.code).toBe(126);
  expect(notExec.stderr).toContain('permission denied');
  const dir = await sandbox.run(['run', '-d', 'busybox', '/tmp']);
  expect(dir.code).toBe(126);
  expect(dir.stderr).toContain('is a directory');
  // Nothing was left: failed runs are rolled back.
  expect((await sandbox.run(['ps', '-a', '-q'])).stdout.trim()).toBe('');
});

it('passes stdin with -i and keeps it closed without', async () => {
  const withI = await sandbox.run(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; echo end'], { input: 'from stdin\n' });
  expect(withI).toMatchObject({ code: 0, stdout: 'from stdin\nend\n' });
  const without = await sandbox.run(['run', '--rm', 'busybox', 'cat'], { input: 'ignored\n' });
  expect(without).toMatchObject({ code: 0, stdout: '' });
});

it('-it runs through a real pty and returns the shell’s exit code', async () => {
  const cmd = `${process.execPath} ${MYDOCKER_BIN} run -it --rm busybox sh`;
  const r = spawnSync('script', ['-qefc', cmd, '/dev/null'], {
    input: 'echo hi-$((40+2)); tty; exit 4\n',
    env: sandbox.env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.stdout).toContain('hi-42');
  expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
  expect(r.status).toBe(4);
});

it('--read-only, --workdir and --user apply', async () => {
  const r = await sandbox.run(['run', '--rm', '--read-only', '-w', '/data/sub', '-u', 'nobody', 'busybox', 'sh', '-c', 'pwd; id -u; touch /x']);
  expect(r.stdout).toContain('/data/sub\n');
  expect(r.stdout).toContain('65534\n');
  expect(r.stderr).toContain('Read-only file system');
  expect(r.code).toBe(1);
});

it('refuses an unknown user with one sentence and exit 125', async () => {
  const r = await sandbox.run(['run', '--rm', '-u', 'ghost', 'busybox', 'true']);
  expect(r.code).toBe(125);
  expect(r.stderr).toContain('unable to find user ghost');
  expect((await sandbox.run(['ps', '-a', '-q'])).stdout.trim()).toBe('');
});

it('forwards SIGTERM from the CLI to a foreground container', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [MYDOCKER_BIN, 'run', '--rm', '--name', 'trap', 'busybox', 'sh', '-c', 'trap "echo got-term; exit 9" TERM; echo ready; while true; do sleep 0.1; done'],
    {
      env: sandbox.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await waitFor(
    () => out,
    (o) => o.includes('ready'),
    10_000,
  );
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  expect(out).toContain('got-term');
  expect(code).toBe(9);
});
