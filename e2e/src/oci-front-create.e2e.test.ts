/**
 * mydocker-oci's native front answering `create` and `run` (packages/oci-runtime/native/create.c): no Node
 * process is executed for runc's default bundle, the state file and cgroup it leaves are the Node path's
 * (bin/mydocker-oci-node, the same bundle), Node's exec/ps/pause/update handle the container it made, and
 * what it does not fully understand (a hook the runtime runs, a create the helper fails) is Node's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { safeReaddir } from './harness';
import { OCI_BIN, busyboxRootfs, frontAndNode, runtime, writeBundle } from './oci-util';
import type { ParsedJson } from './json';

const { sandbox, stateRoot, front, node, cgroupDirs, destroy } = frontAndNode('ocicreate');
let rootfs: string;

beforeAll(() => {
  rootfs = busyboxRootfs(sandbox.dir);
});

afterAll(async () => {
  expect(await destroy()).toEqual([]);
});

/** `state` by the front and by Node: the same bytes; returns the status. */
async function sameState(id: string): Promise<string> {
  const [a, b] = [await front(['state', id]), await node(['state', id])];
  expect(a).toEqual(b);
  expect(a.code).toBe(0);
  return JSON.parse(a.stdout).status;
}

/** The programs a command executed (strace -f, detached at each execve: the container is not traced, so create returns). */
async function executed(args: string[]): Promise<{ result: Awaited<ReturnType<typeof front>>; programs: string[] }> {
  const trace = join(sandbox.dir, `trace-${args.join('-').replace(/[^\w-]/g, '')}`);
  const result = await runtime('strace', ['-f', '-qq', '-b', 'execve', '-e', 'trace=execve', '-o', trace, OCI_BIN, '--root', stateRoot, ...args], sandbox.dir);
  const programs = [...readFileSync(trace, 'utf8').matchAll(/execve\("([^"]+)"/g)].map((m) => m[1]);
  return { result, programs };
}

/** state.json with what differs between two containers of one bundle (id, pid, times, bundle dir) put aside. */
function stateShape(id: string): string {
  const text = readFileSync(join(stateRoot, id, 'state.json'), 'utf8');
  const s = JSON.parse(text);
  return text
    .split(`"${s.created}"`)
    .join('"CREATED"')
    .split(s.bundle)
    .join('BUNDLE')
    .split(`/${id}"`)
    .join('/ID"')
    .replace(`"id":"${id}"`, '"id":"ID"')
    .replace(`"name":"${id}"`, '"name":"ID"')
    .replace(/"pid":\d+,"pidStartTime":\d+/, '"pid":PID,"pidStartTime":START');
}

/** The limits and rules the cgroup manager wrote, controller by controller. */
function cgroupFiles(id: string): Record<string, string> {
  const out: Record<string, string> = {};
  const files = [
    'memory.limit_in_bytes',
    'memory.memsw.limit_in_bytes',
    'cpu.shares',
    'cpu.cfs_period_us',
    'cpu.cfs_quota_us',
    'cpuset.cpus',
    'cpuset.mems',
    'pids.max',
    'devices.list',
  ];
  for (const [controller, dir] of Object.entries(JSON.parse(readFileSync(join(stateRoot, id, 'state.json'), 'utf8')).cgroupPaths as Record<string, string>)) {
    for (const f of files) if (existsSync(join(dir, f))) out[`${controller}/${f}`] = readFileSync(join(dir, f), 'utf8');
    out[`${controller}/procs`] = String(readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim().split('\n').length);
  }
  return out;
}

test("create by the front: no Node, the Node path's state file and cgroup, and Node's exec/ps/pause/update handle it", async () => {
  const patch = (id: string) => (s: ParsedJson) => {
    s.linux.cgroupsPath = `/${sandbox.cgroupParent}/${id}`;
    s.linux.resources = { ...s.linux.resources, memory: { limit: 64 << 20 }, cpu: { shares: 512, quota: 50000, cpus: '0' }, pids: { limit: 99 } };
    s.annotations = { 'org.example/q': 'a "b" é', z: '' };
  };
  for (const id of ['by-c', 'by-node']) writeBundle(join(sandbox.dir, id), rootfs, ['sleep', '300'], patch(id));
  const pidFile = join(sandbox.dir, 'by-c.pid');
  const { result, programs } = await executed(['create', '--bundle', join(sandbox.dir, 'by-c'), '--pid-file', pidFile, 'by-c']);
  expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(programs.some((p) => p.endsWith('/mydocker-init'))).toBe(true);
  expect(programs.filter((p) => /node/.test(p))).toEqual([]);
  expect(await node(['create', '--bundle', join(sandbox.dir, 'by-node'), 'by-node'])).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(stateShape('by-c')).toBe(stateShape('by-node'));
  expect(cgroupFiles('by-c')).toEqual(cgroupFiles('by-node'));
  expect(cgroupFiles('by-c')['pids/pids.max']).toBe('99\n');
  const pid = JSON.parse((await node(['state', 'by-c'])).stdout).pid;
  expect(readFileSync(pidFile, 'utf8')).toBe(String(pid));
  expect(await sameState('by-c')).toBe('created');
  expect((await front(['start', 'by-c'])).code).toBe(0);
  expect(await node(['exec', 'by-c', 'sh', '-c', 'echo $((6*7)); cat /sys/fs/cgroup/pids/pids.max'])).toMatchObject({ code: 0, stdout: '42\n99\n' });
  expect(JSON.parse((await node(['ps', '--format', 'json', 'by-c'])).stdout)).toContain(pid);
  expect((await node(['pause', 'by-c'])).code).toBe(0);
  expect(await sameState('by-c')).toBe('paused');
  expect((await node(['resume', 'by-c'])).code).toBe(0);
  expect((await node(['update', '--pids-limit', '55', 'by-c'])).code).toBe(0);
  expect(cgroupFiles('by-c')['pids/pids.max']).toBe('55\n');
  const dirs = [...cgroupDirs('by-c'), ...cgroupDirs('by-node')];
  for (const id of ['by-c', 'by-node']) expect(await front(['delete', '--force', id])).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(dirs.filter((d) => existsSync(d))).toEqual([]);
});

test('run by the front, foreground and --detach: the exit code and output of the Node path, no Node, nothing left', async () => {
  const bundle = join(sandbox.dir, 'runb');
  writeBundle(bundle, rootfs, ['sh', '-c', 'echo out; echo err >&2; exit 7'], (s) => (s.linux.cgroupsPath = `/${sandbox.cgroupParent}/runb`));
  const { result, programs } = await executed(['run', '--bundle', bundle, 'r1']);
  expect(result).toEqual({ code: 7, stdout: 'out\n', stderr: 'err\n' });
  expect(programs.filter((p) => /node/.test(p))).toEqual([]);
  expect(await node(['run', '--bundle', bundle, 'r2'])).toEqual(result);
  expect(safeReaddir(stateRoot).filter((id) => id.startsWith('r'))).toEqual([]);
  writeBundle(bundle, rootfs, ['sleep', '300'], (s) => (s.linux.cgroupsPath = `/${sandbox.cgroupParent}/runb`));
  const detached = await executed(['run', '--detach', '--bundle', bundle, 'r3']);
  expect(detached.result).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(detached.programs.filter((p) => /node/.test(p))).toEqual([]);
  expect(await sameState('r3')).toBe('running');
  expect(await front(['delete', '--force', 'r3'])).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(existsSync(`/sys/fs/cgroup/pids/${sandbox.cgroupParent}/runb`)).toBe(false);
});

test('a create the helper fails half-way: undone, then answered by Node (its sentence and code), nothing left; unknown fields go to Node', async () => {
  const bundle = join(sandbox.dir, 'bad');
  writeBundle(bundle, rootfs, ['no-such-binary'], (s) => (s.linux.cgroupsPath = `/${sandbox.cgroupParent}/bad`));
  const [a, b] = [await front(['create', '--bundle', bundle, 'bad1']), await node(['create', '--bundle', bundle, 'bad2'])];
  expect(a.code).not.toBe(0);
  expect(a).toEqual({ ...b, stderr: b.stderr.replace('bad2', 'bad1') });
  expect(safeReaddir(stateRoot).filter((id) => id.startsWith('bad'))).toEqual([]);
  expect(existsSync(`/sys/fs/cgroup/pids/${sandbox.cgroupParent}/bad`)).toBe(false);
  // A hook the runtime runs itself: Node's path (node is executed), and it works.
  const hooked = join(sandbox.dir, 'hooked');
  writeBundle(hooked, rootfs, ['true'], (s) => {
    s.linux.cgroupsPath = `/${sandbox.cgroupParent}/hooked`;
    s.hooks = { poststop: [{ path: '/bin/sh', args: ['sh', '-c', 'cat > /dev/null'] }] };
  });
  const { result, programs } = await executed(['run', '--bundle', hooked, 'h1']);
  expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(programs.filter((p) => /node/.test(p)).length).toBeGreaterThan(0);
});

test('a createContainer hook that fails runs once: the front leaves such a config to Node rather than undo a create after it', async () => {
  const log = join(sandbox.dir, 'cc-once.log');
  const bundle = join(sandbox.dir, 'cc-once');
  writeBundle(bundle, rootfs, ['true'], (s) => {
    s.linux.cgroupsPath = `/${sandbox.cgroupParent}/cc-once`;
    s.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `cat > /dev/null; echo ran >> ${log}; exit 3`] }] };
  });
  const r = await front(['create', '--bundle', bundle, 'cc1']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/createContainer/);
  expect(readFileSync(log, 'utf8')).toBe('ran\n');
  expect(safeReaddir(stateRoot).filter((id) => id.startsWith('cc'))).toEqual([]);
  expect(existsSync(`/sys/fs/cgroup/pids/${sandbox.cgroupParent}/cc-once`)).toBe(false);
});
