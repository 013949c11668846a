/**
 * containerd (Debian's, its runc shim v2) driving mydocker-oci through `ctr --runc-binary`: a containerd of
 * the test's own (throw-away root, state and socket; no CRI), an image imported from a local OCI archive,
 * run --rm with the exit code, run -d + task exec (also -t) + ps + pause/resume + kill + delete, and run -t (the
 * shim's console socket).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, runProcess, waitFor, type Result } from './harness';
import { OCI_BIN, busyboxRootfs, ociArchive } from './oci-util';

const sandbox = new Sandbox('ocictd');
const ns = `mydocker-oci-${sandbox.tag}`;
const sock = join(sandbox.dir, 'containerd.sock');
const IMAGE = 'localhost/mydocker-oci-bb:latest';
let containerd: ChildProcess;
const ctr = (args: string[]): Promise<Result> =>
  runProcess('ctr', ['-a', sock, '-n', ns, ...args], { env: { PATH: process.env.PATH } }, { timeoutMs: 120_000 });
const RUN = ['--snapshotter', 'native', '--runc-binary', OCI_BIN, '--cgroup', `/${sandbox.cgroupParent}/`];

beforeAll(async () => {
  const config = join(sandbox.dir, 'containerd.toml');
  writeFileSync(
    config,
    [
      'version = 2',
      `root = "${join(sandbox.dir, 'ctd-root')}"`,
      `state = "${join(sandbox.dir, 'ctd-state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]',
      '[grpc]',
      `  address = "${sock}"`,
      '[ttrpc]',
      `  address = "${sock}.ttrpc"`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
    ].join('\n'),
  );
  containerd = spawn('containerd', ['--config', config], { stdio: 'ignore' });
  const up = await waitFor(
    () => existsSync(sock),
    (v) => v,
    30_000,
  );
  expect(up).toBe(true);
  const rootfs = busyboxRootfs(sandbox.dir);
  ociArchive(rootfs, join(sandbox.dir, 'bb-oci.tar'), IMAGE);
  const imported = await ctr(['image', 'import', join(sandbox.dir, 'bb-oci.tar')]);
  expect(imported.code).toBe(0);
});

afterAll(async () => {
  for (const id of ['c-rm', 'c-d', 'c-t']) {
    await ctr(['task', 'kill', '-s', 'SIGKILL', id]);
    await ctr(['task', 'delete', '-f', id]);
    await ctr(['container', 'delete', id]);
  }
  await ctr(['image', 'rm', IMAGE]);
  await ctr(['namespace', 'rm', ns]);
  containerd.kill('SIGTERM');
  await new Promise((r) => containerd.once('exit', r));
  // The shim runs the runtime with --root /run/containerd/runc/<namespace>: ours, empty once all is deleted.
  try {
    rmdirSync(`/run/containerd/runc/${ns}`);
  } catch {
    /* never made */
  }
  try {
    rmdirSync(`/sys/fs/cgroup/pids/${sandbox.cgroupParent}`);
  } catch {
    /* removed with its last container */
  }
  expect(await sandbox.destroy()).toEqual([]);
});

test('ctr run --rm: output and the exit code', async () => {
  const r = await ctr(['run', '--rm', ...RUN, IMAGE, 'c-rm', 'sh', '-c', 'echo hello from ctr; exit 5']);
  expect(r).toMatchObject({ code: 5, stdout: 'hello from ctr\n' });
  expect((await ctr(['container', 'ls', '-q'])).stdout).toBe('');
});

test('run -d, task exec, ps, pause/resume, kill, delete', async () => {
  expect((await ctr(['run', '-d', ...RUN, IMAGE, 'c-d', 'sleep', '600'])).code).toBe(0);
  expect((await ctr(['task', 'ls'])).stdout).toMatch(/c-d\s+\d+\s+RUNNING/);
  const exec = await ctr(['task', 'exec', '--exec-id', 'e1', 'c-d', 'sh', '-c', 'echo in exec $(cat /proc/1/comm); exit 4']);
  expect(exec).toMatchObject({ code: 4, stdout: 'in exec sleep\n' });
  // task exec -t: the shim passes its console socket to `mydocker-oci exec --tty`; script(1) gives ctr a terminal.
  const ttyExec = ['ctr', '-a', sock, '-n', ns, 'task', 'exec', '-t', '--exec-id', 'e2', 'c-d', 'sh', '-c', 'tty; test -t 0 && echo stdin-is-a-tty; exit 6'];
  const tty = await runProcess(
    'script',
    ['-qec', ttyExec.map((a) => `'${a}'`).join(' '), '/dev/null'],
    { env: { PATH: process.env.PATH } },
    { timeoutMs: 120_000 },
  );
  expect(tty.stdout).toMatch(/\/dev\/pts\/\d+/);
  expect(tty.stdout).toContain('stdin-is-a-tty');
  expect(tty.code).toBe(6);
  const ps = await ctr(['task', 'ps', 'c-d']);
  expect(ps.stdout.trim().split('\n')).toHaveLength(2);
  expect((await ctr(['task', 'pause', 'c-d'])).code).toBe(0);
  expect((await ctr(['task', 'ls'])).stdout).toMatch(/c-d\s+\d+\s+PAUSED/);
  expect((await ctr(['task', 'resume', 'c-d'])).code).toBe(0);
  expect((await ctr(['task', 'kill', '-s', 'SIGKILL', 'c-d'])).code).toBe(0);
  const stopped = await waitFor(
    async () => (await ctr(['task', 'ls'])).stdout,
    (s) => /c-d\s+\d+\s+STOPPED/.test(s),
    30_000,
  );
  expect(stopped).toMatch(/STOPPED/);
  expect((await ctr(['task', 'delete', 'c-d'])).code).toBe(0);
  expect((await ctr(['container', 'delete', 'c-d'])).code).toBe(0);
});

test("run -t: the shim's console socket gives the container a tty", async () => {
  const cmd = ['ctr', '-a', sock, '-n', ns, 'run', '-t', '--rm', ...RUN, IMAGE, 'c-t', 'sh', '-c', 'tty; exit 3'];
  const r = await runProcess('script', ['-qec', cmd.map((a) => `'${a}'`).join(' '), '/dev/null'], { env: { PATH: process.env.PATH } }, { timeoutMs: 120_000 });
  expect(r.stdout).toContain('/dev/pts/0');
  expect(r.code).toBe(3);
});
