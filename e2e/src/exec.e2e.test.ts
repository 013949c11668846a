import { spawnSync } from 'node:child_process';
import { MYDOCKER_BIN, Sandbox } from './harness';

/** `mydocker exec`: a new process inside a running container's namespaces. */
const sandbox = new Sandbox('exec', { defaultNetwork: 'none' });

let boxId = '';

beforeAll(async () => {
  boxId = (await sandbox.ok(['run', '-d', '--name', 'box', '-e', 'FROM_RUN=yes', 'busybox', 'sh', '-c', 'echo data > /tmp/file; exec sleep 300'])).trim();
});

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

it('sees the container’s processes, files, hostname and environment', async () => {
  const ps = await sandbox.ok(['exec', 'box', 'ps', '-o', 'pid,comm']);
  expect(ps).toMatch(/^\s*1\s+sleep$/m);
  expect(ps.trim().split('\n')).toHaveLength(3); // header, sleep, ps
  expect(await sandbox.ok(['exec', 'box', 'cat', '/tmp/file'])).toBe('data\n');
  // Docker's default host name is the short id, not the name.
  expect(await sandbox.ok(['exec', 'box', 'hostname'])).toBe(`${boxId.slice(0, 12)}\n`);
  const env = await sandbox.ok(['exec', '-e', 'EXTRA=1', 'box', 'env'], { env: { HOST_ONLY: 'x' } });
  expect(env).toContain('FROM_RUN=yes\n');
  expect(env).toContain('EXTRA=1\n');
  expect(env).not.toContain('HOST_ONLY');
});

it('passes the exit code, and flags after the command belong to it', async () => {
  const r = await sandbox.run(['exec', 'box', 'sh', '-c', 'echo -n out; exit 42']);
  expect(r).toMatchObject({ code: 42, stdout: 'out' });
  expect(await sandbox.ok(['exec', 'box', 'ls', '-d', '/tmp'])).toBe('/tmp\n');
});

it('applies -w and -u', async () => {
  expect(await sandbox.ok(['exec', '-w', '/tmp', '-u', 'nobody', 'box', 'sh', '-c', 'pwd; id -u'])).toBe('/tmp\n65534\n');
});

it('126 and 127 as in run', async () => {
  const missing = await sandbox.run(['exec', 'box', 'nosuchcmd']);
  expect(missing.code).toBe(127);
  expect(missing.stderr).toContain('exec: "nosuchcmd": executable file not found in $PATH');
  expect((await sandbox.run(['exec', 'box', '/etc/passwd'])).code).toBe(126);
});

it('passes stdin with -i', async () => {
  expect(await sandbox.ok(['exec', '-i', 'box', 'cat'], { input: 'piped\n' })).toBe('piped\n');
});

it('-it gets a pty from the container’s own devpts', () => {
  const cmd = `${process.execPath} ${MYDOCKER_BIN} exec -it box sh`;
  const r = spawnSync('script', ['-qefc', cmd, '/dev/null'], { input: 'tty; exit 5\n', env: sandbox.env, encoding: 'utf8', timeout: 30_000 });
  expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
  expect(r.status).toBe(5);
});

it('refuses a stopped container with exit 125', async () => {
  await sandbox.ok(['run', '-d', '--name', 'gone', 'busybox', 'true']);
  await sandbox.ok(['stop', 'gone']);
  const r = await sandbox.run(['exec', 'gone', 'true']);
  expect(r.code).toBe(125);
  expect(r.stderr).toContain('Container gone is not running');
  const unknown = await sandbox.run(['exec', 'nosuch', 'true']);
  expect(unknown.code).toBe(125);
});

it('refuses a missing command with exit 125', async () => {
  const r = await sandbox.run(['exec', 'box']);
  expect(r.code).toBe(125);
});
