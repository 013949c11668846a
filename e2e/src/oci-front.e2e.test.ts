/**
 * mydocker-oci's native front (packages/oci-runtime/native): `state`, `start`, `kill` and `delete` answered
 * in C must print, refuse and leave behind exactly what the Node runtime does. bin/mydocker-oci-node is the
 * Node path alone (what the front hands every other command to), so each case runs both ways and compares.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, safeReaddir } from './harness';
import { OCI_BIN, busyboxRootfs, frontAndNode, runtime, writeBundle } from './oci-util';
import type { ParsedJson } from './json';

const { sandbox, stateRoot, front, node, cgroupDirs, destroy } = frontAndNode('ocifront');
let rootfs: string;

beforeAll(() => {
  rootfs = busyboxRootfs(sandbox.dir);
});

afterAll(async () => {
  expect(await destroy()).toEqual([]);
});

/** A `sleep 300` container, created (not started), in the sandbox's cgroup parent. */
async function created(id: string, patch: (s: ParsedJson) => void = () => undefined): Promise<number> {
  const bundle = join(sandbox.dir, id);
  writeBundle(bundle, rootfs, ['sleep', '300'], (s) => {
    s.linux.cgroupsPath = `/${sandbox.cgroupParent}/${id}`;
    patch(s);
  });
  expect(await node(['create', '--bundle', bundle, id])).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse((await node(['state', id])).stdout).pid;
}

/** `state` by the front and by Node: the same bytes; returns the status. */
async function sameState(id: string): Promise<string> {
  const [a, b] = [await front(['state', id]), await node(['state', id])];
  expect(a).toEqual(b);
  expect(a.code).toBe(0);
  return JSON.parse(a.stdout).status;
}

test('state prints what the Node runtime prints in every status; start, kill and delete by the front', async () => {
  const pid = await created('life', (s) => (s.annotations = { 'org.example/quote': 'a "b" \\ é\n', z: '1', a: '' }));
  expect(await sameState('life')).toBe('created');
  expect(await front(['start', 'life'])).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(existsSync(join(stateRoot, 'life', 'exec.fifo'))).toBe(false);
  await waitFor(
    () => readFileSync(`/proc/${pid}/cmdline`, 'utf8'),
    (c) => c.startsWith('sleep'),
  );
  expect(await sameState('life')).toBe('running');
  expect((await node(['pause', 'life'])).code).toBe(0);
  expect(await sameState('life')).toBe('paused');
  expect((await node(['resume', 'life'])).code).toBe(0);
  expect(await front(['kill', 'life', 'sigkill'])).toEqual({ code: 0, stdout: '', stderr: '' });
  const stopped = await waitFor(
    () => front(['state', 'life']),
    (r) => JSON.parse(r.stdout).status === 'stopped',
  );
  expect(JSON.parse(stopped.stdout)).toMatchObject({ status: 'stopped', pid: 0 });
  expect(await sameState('life')).toBe('stopped');
  const dirs = cgroupDirs('life');
  expect(await front(['delete', 'life'])).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(safeReaddir(stateRoot)).not.toContain('life');
  expect(dirs.filter((d) => existsSync(d))).toEqual([]);
});

test("refusals are the Node runtime's sentences and exit codes, and change nothing", async () => {
  await created('busy');
  expect((await front(['start', 'busy'])).code).toBe(0);
  const cases = [
    ['state', 'nope'],
    ['state', 'bad/id'],
    ['state'],
    ['start', 'busy'],
    ['start', 'nope'],
    ['kill', 'busy', 'SIGNOPE'],
    ['kill', 'busy', '99'],
    ['kill', '--bogus', 'busy'],
    ['kill', 'nope'],
    ['delete', 'busy'],
    ['delete', 'nope'],
    ['delete', '--force=false', 'busy'],
    ['--systemd-cgroup', 'state', 'busy'],
    ['--log-format', 'xml', 'state', 'busy'],
    ['--log-format', 'xml', '--version'],
    ['features', '--all'],
  ];
  for (const args of cases) {
    const [a, b] = [await front(args), await node(args)];
    expect({ args, ...a }).toEqual({ args, ...b });
    expect(a.code).toBe(1);
    expect(a.stderr.trim().split('\n')).toHaveLength(1);
  }
  expect(await sameState('busy')).toBe('running');
  // Unknown ids with --force are no error either way.
  expect(await front(['delete', '-f', 'nope'])).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(await node(['delete', '-f', 'nope'])).toEqual({ code: 0, stdout: '', stderr: '' });
  expect((await front(['delete', '--force', 'busy'])).code).toBe(0);
});

test('--version and features: the bytes the Node runtime prints (made by the build)', async () => {
  for (const args of [['--version'], ['-v'], ['features'], ['--log', join(sandbox.dir, 'v.log'), 'features', 'extra']]) {
    const [a, b] = [await front(args), await node(args)];
    expect({ args, ...a }).toEqual({ args, ...b });
    expect(a.code).toBe(0);
  }
  expect(JSON.parse((await front(['features'])).stdout).ociVersionMax).toBe('1.2.0');
});

test('kill --all reaches every process of the cgroup; delete --force of a created container removes it all', async () => {
  await created('all');
  expect((await front(['start', 'all'])).code).toBe(0);
  expect((await node(['exec', '--detach', 'all', 'sleep', '301'])).code).toBe(0);
  const count = async () => (JSON.parse((await node(['ps', '--format', 'json', 'all'])).stdout) as number[]).length;
  expect(await waitFor(count, (n) => n === 2)).toBe(2);
  expect((await front(['kill', '--all', 'all', 'KILL'])).code).toBe(0);
  expect(await waitFor(count, (n) => n === 0)).toBe(0);
  // Out of the cgroup is not yet gone: the namespace's init may still be exiting.
  expect(
    await waitFor(
      () => front(['state', 'all']),
      (r) => JSON.parse(r.stdout).status === 'stopped',
    ),
  ).toMatchObject({ code: 0 });
  expect((await front(['delete', 'all'])).code).toBe(0);

  await created('fresh');
  const dirs = cgroupDirs('fresh');
  expect(await front(['delete', '--force', 'fresh'])).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(safeReaddir(stateRoot)).toEqual([]);
  expect(dirs.filter((d) => existsSync(d))).toEqual([]);
});

test("a cgroup that cannot be removed: the front's sentence is Node's, in --log too, and delete can be retried", async () => {
  await created('stuck');
  const child = join(cgroupDirs('stuck')[0], 'held');
  mkdirSync(child);
  const logFile = join(sandbox.dir, 'front.log');
  const a = await runtime(OCI_BIN, ['--root', stateRoot, '--log', logFile, '--log-format', 'json', 'delete', '--force', 'stuck'], sandbox.dir);
  const b = await node(['delete', '--force', 'stuck']);
  expect(a.code).toBe(1);
  expect(a).toEqual(b);
  expect(a.stderr).toMatch(/^mydocker-oci: Cannot remove the cgroup \S+: EBUSY: resource busy or locked, rmdir '\S+'\.\n$/);
  const line = JSON.parse(readFileSync(logFile, 'utf8').trim());
  expect(line).toMatchObject({ level: 'error', msg: a.stderr.slice('mydocker-oci: '.length).trim() });
  expect(Object.keys(line)).toEqual(['level', 'msg', 'time']);
  rmdirSync(child);
  expect(await front(['delete', 'stuck'])).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(safeReaddir(stateRoot)).toEqual([]);
});
