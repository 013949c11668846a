/**
 * The native front's translation of config.json (native/plan.c) against createEntries, cgroupRequest and
 * cgroupLocation, over a corpus: runc's default spec, the configs Podman and containerd sent during the
 * e2e runs (sanitised: bundle-relative paths), variants for every field the front implements, and the
 * configs it must hand to Node (it must say so, not translate them otherwise). The printer is built here
 * from plan.c itself (native/test/print-plan.c), not from a switch in the shipped binary.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupLocation } from '../engine';
import { createEntries } from '../launch-entries';
import { cgroupRequest } from '../resources';
import type { OciSpec } from '../spec-types';

const NATIVE = join(__dirname, '../../native');
const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, 'fixtures', `front-plan-${name}.json`), 'utf8')) as OciSpec;
let dir: string;
let bundle: string;
let printer: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'front-plan-'));
  bundle = join(dir, 'bundle');
  for (const d of ['rootfs', 'other-root', 'podman-run/shm', 'data']) mkdirSync(join(bundle, d), { recursive: true });
  for (const f of ['podman-run/hosts', 'podman-run/containerenv', 'podman-run/hostname']) writeFileSync(join(bundle, f), '');
  printer = join(dir, 'print-plan');
  execFileSync('gcc', [
    '-O1',
    '-Wall',
    '-o',
    printer,
    join(NATIVE, 'test/print-plan.c'),
    join(NATIVE, 'plan.c'),
    join(NATIVE, 'plan-json.c'),
    join(NATIVE, 'plan-seccomp.c'),
    '-ljson-c',
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Printed {
  handOver?: string;
  entries?: Array<[string, string]>;
  rootfs?: string;
  cgroup?: unknown;
  limits?: unknown;
  devices?: unknown;
}

function printed(text: string, id = 'c1'): Printed {
  const file = join(dir, 'config.json');
  writeFileSync(file, text);
  return JSON.parse(execFileSync(printer, [file, bundle, id], { encoding: 'utf8' })) as Printed;
}

/** The front answers: the very entries, rootfs, cgroup request and location of the Node path, which warns of nothing. */
function expectSame(spec: OciSpec, id = 'c1'): void {
  const c = printed(JSON.stringify(spec, null, 1), id);
  expect(c.handOver).toBeUndefined();
  const plan = createEntries(spec, bundle);
  const req = cgroupRequest(spec.linux?.resources, spec.linux?.devices);
  expect([...plan.warnings, ...req.warnings]).toEqual([]);
  expect(c.entries).toEqual(plan.entries);
  expect(c.rootfs).toBe(plan.rootfs);
  expect(c.limits).toEqual(req.limits);
  expect(c.devices).toEqual(req.devices);
  expect(c.cgroup).toEqual(cgroupLocation(spec.linux?.cgroupsPath, id));
}

const runc = () => fixture('runc-spec');
const edit = (f: (s: OciSpec & Record<string, unknown>) => void): OciSpec => {
  const s = runc() as OciSpec & Record<string, unknown>;
  f(s);
  return s;
};

describe('configs the front answers: the same plan as the Node path', () => {
  test('runc spec, Podman and containerd as they sent them', () => {
    expectSame(runc());
    expectSame(fixture('podman'));
    expectSame(fixture('containerd'), 'c-rm');
    expectSame(edit((s) => (s.process!.terminal = false)));
  });

  test('process: user, umask, groups, rlimits beyond 2^63, oomScoreAdj, every capability set', () => {
    expectSame(
      edit((s) => {
        Object.assign(s.process!.user, { uid: 1000, gid: 100, umask: 0o27, additionalGids: [10, 20] });
        s.process!.rlimits = [
          { type: 'RLIMIT_CORE', soft: -1, hard: -1 },
          { type: 'RLIMIT_NOFILE', soft: 10, hard: 20 },
        ];
        s.process!.oomScoreAdj = -500;
        s.process!.noNewPrivileges = false;
        s.process!.capabilities = { bounding: ['CAP_SYS_ADMIN'], inheritable: ['CAP_KILL'], ambient: [], effective: ['CAP_CHECKPOINT_RESTORE'] };
        s.process!.env = ['A=1', 'B=', 'C=x=y', 'D=\n\t"\\ é'];
        s.process!.args = ['sh', '-c', 'echo "é" \\ done'];
        s.process!.cwd = '/work/dir';
      }),
    );
  });

  test('root, hostname, domainname, annotations, namespaces joined by path, user namespace mappings', () => {
    expectSame(
      edit((s) => {
        s.root = { path: join(bundle, 'other-root'), readonly: false };
        s.domainname = 'example.org';
        s.annotations = { b: '1', a: 'x"y', 'z.k': '' };
        s.ociVersion = '1.2.0';
        s.linux!.namespaces = [
          { type: 'user' },
          { type: 'pid' },
          { type: 'network', path: '/proc/self/ns/net' },
          { type: 'uts' },
          { type: 'mount' },
          { type: 'cgroup' },
        ];
        s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux!.gidMappings = [
          { containerID: 0, hostID: 100000, size: 1 },
          { containerID: 1, hostID: 100001, size: 10 },
        ];
      }),
    );
    expectSame(edit((s) => (s.root = { path: './rootfs/../other-root' })));
  });

  test('mounts: bind sources relative to the bundle, rbind, remount flags, propagation, data, every flag word', () => {
    expectSame(
      edit((s) => {
        s.mounts!.push(
          { destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro', 'rslave'] },
          { destination: '/data2', source: join(bundle, 'data'), options: ['bind', 'nosuid', 'nodev', 'noexec', 'private'] },
          { destination: '/data3', type: 'none', source: './data/../data', options: ['rbind'] },
          { destination: '/t', type: 'tmpfs', options: ['mode=700', 'size=1m', 'uid=1', 'sync', 'async', 'dirsync', 'mand', 'nomand', 'noatime', 'atime'] },
          {
            destination: '/t2',
            type: 'tmpfs',
            source: 'x',
            options: [
              'nodiratime',
              'diratime',
              'relatime',
              'norelatime',
              'strictatime',
              'nostrictatime',
              'defaults',
              'rw',
              'dev',
              'suid',
              'exec',
              'remount',
              'shared',
              'rshared',
              'unbindable',
              'runbindable',
              'slave',
              'rprivate',
            ],
          },
        );
      }),
    );
  });

  test('devices, resources (memory, swap, cpu, cpuset, pids, device rules) and cgroupsPath forms', () => {
    expectSame(
      edit((s) => {
        s.linux!.devices = [
          { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600, uid: 1, gid: 2 },
          { path: '/dev/loop9', type: 'b', major: 7, minor: 9 },
          { path: '/dev/kmsg', type: 'u', major: 1, minor: 11, fileMode: 0o10644 },
        ];
        s.linux!.resources = {
          memory: { limit: 64 << 20, swap: 128 << 20 },
          cpu: { shares: 512, quota: 50000, cpus: '0', mems: '0' },
          pids: { limit: -1 },
          devices: [
            { allow: false, access: 'rwm' },
            { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' },
            { allow: true, type: 'b', major: 7, access: 'm' },
            { allow: false, type: 'a' },
          ],
          blockIO: {},
        };
        s.linux!.cgroupsPath = 'a/./b//c';
      }),
    );
    expectSame(edit((s) => (s.linux!.resources = { memory: { limit: 1 << 30, swap: -1 }, cpu: { quota: 1000, period: 5000 }, pids: { limit: 64 } })));
    expectSame(edit((s) => (s.linux!.resources = { memory: { limit: 0, swap: 0 }, cpu: { shares: 0, quota: -1, cpus: '' }, pids: { limit: 0 } })));
    expectSame(edit((s) => (s.linux!.cgroupsPath = '/only')));
    expectSame(edit((s) => (s.linux!.cgroupsPath = '')));
  });

  test('sysctl, seccomp (every action, operator, architecture and flag), masked paths, propagation, personality, in-container hooks', () => {
    expectSame(
      edit((s) => {
        s.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '100000', 'fs.mqueue.msg_max': '20', 'kernel.hostname': 'h' };
        s.linux!.seccomp = {
          defaultAction: 'SCMP_ACT_ERRNO',
          defaultErrnoRet: 38,
          architectures: [
            'SCMP_ARCH_X86_64',
            'SCMP_ARCH_X86',
            'SCMP_ARCH_X32',
            'SCMP_ARCH_AARCH64',
            'SCMP_ARCH_RISCV64',
            'SCMP_ARCH_MIPSEL64N32',
            'SCMP_ARCH_S390X',
          ],
          flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
          syscalls: [
            { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
            {
              names: ['personality'],
              action: 'SCMP_ACT_ALLOW',
              args: [
                { index: 0, value: 0, op: 'SCMP_CMP_EQ' },
                { index: 1, value: 8, valueTwo: 8, op: 'SCMP_CMP_MASKED_EQ' },
              ],
            },
            {
              names: ['clone'],
              action: 'SCMP_ACT_ERRNO',
              errnoRet: 1,
              args: [
                { index: 0, value: -1, op: 'SCMP_CMP_NE' },
                { index: 5, value: 2, op: 'SCMP_CMP_LT' },
                { index: 2, value: 3, op: 'SCMP_CMP_LE' },
                { index: 3, value: 4, op: 'SCMP_CMP_GE' },
                { index: 4, value: 5, op: 'SCMP_CMP_GT' },
              ],
            },
            { names: ['a'], action: 'SCMP_ACT_KILL' },
            { names: ['b'], action: 'SCMP_ACT_KILL_THREAD' },
            { names: ['c'], action: 'SCMP_ACT_KILL_PROCESS' },
            { names: ['d'], action: 'SCMP_ACT_TRAP' },
            { names: ['e'], action: 'SCMP_ACT_TRACE', errnoRet: 70000 },
            { names: ['f'], action: 'SCMP_ACT_LOG' },
            { names: [], action: 'SCMP_ACT_ALLOW' },
            { action: 'SCMP_ACT_ALLOW' } as never,
          ],
        };
        s.linux!.rootfsPropagation = 'rshared';
        s.linux!.personality = { domain: 'LINUX32' };
        s.hooks = {
          startContainer: [{ path: '/bin/sc', args: ['sc', '-x'], env: ['A=1', 'B=2'], timeout: 5 }, { path: '/bin/sc2' }],
        };
      }),
    );
    expectSame(edit((s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW' })));
    expectSame(edit((s) => (s.linux!.personality = { domain: 'LINUX' })));
  });
});

describe('configs the front hands to Node (it says so, it does not translate them otherwise)', () => {
  const handOver: Array<[string, () => string]> = [
    ['a field it does not know', () => JSON.stringify(edit((s) => (s.solaris = {})))],
    ['a warning (apparmorProfile)', () => JSON.stringify(edit((s) => (s.process!.apparmorProfile = 'p')))],
    ['a warning (memory.swappiness)', () => JSON.stringify(edit((s) => (s.linux!.resources = { memory: { swappiness: 10 } })))],
    ['a warning (mount option tmpcopyup)', () => JSON.stringify(edit((s) => s.mounts!.push({ destination: '/x', type: 'tmpfs', options: ['tmpcopyup'] })))],
    ['a warning (linux.mountLabel)', () => JSON.stringify(edit((s) => (s.linux!.mountLabel = 'l')))],
    // They run before "started": a create the front undid after them would run them again in Node's.
    ['createContainer hooks, even none', () => JSON.stringify(edit((s) => (s.hooks = { createContainer: [] })))],
    ['createContainer hooks', () => JSON.stringify(edit((s) => (s.hooks = { createContainer: [{ path: '/bin/true' }] })))],
    ['prestart hooks', () => JSON.stringify(edit((s) => (s.hooks = { prestart: [{ path: '/bin/true' }] })))],
    ['createRuntime hooks', () => JSON.stringify(edit((s) => (s.hooks = { createRuntime: [{ path: '/bin/true' }] })))],
    ['poststart hooks', () => JSON.stringify(edit((s) => (s.hooks = { poststart: [{ path: '/bin/true' }] })))],
    ['poststop hooks, even none', () => JSON.stringify(edit((s) => (s.hooks = { poststop: [] })))],
    ['blockIO', () => JSON.stringify(edit((s) => (s.linux!.resources = { blockIO: { weight: 10 } })))],
    ['resources.unified', () => JSON.stringify(edit((s) => (s.linux!.resources = { unified: { 'cpu.max': '1' } })))],
    ['the time namespace', () => JSON.stringify(edit((s) => s.linux!.namespaces!.push({ type: 'time' })))],
    ['a namespace listed twice', () => JSON.stringify(edit((s) => s.linux!.namespaces!.push({ type: 'pid' })))],
    ['no mount namespace', () => JSON.stringify(edit((s) => (s.linux!.namespaces = [{ type: 'pid' }])))],
    ['a user namespace without mappings', () => JSON.stringify(edit((s) => s.linux!.namespaces!.push({ type: 'user' })))],
    ['a namespace path that does not exist', () => JSON.stringify(edit((s) => (s.linux!.namespaces![1] = { type: 'network', path: '/no/such/ns' })))],
    ['a systemd cgroupsPath', () => JSON.stringify(edit((s) => (s.linux!.cgroupsPath = 'system.slice:x:y')))],
    ['a cgroupsPath with ..', () => JSON.stringify(edit((s) => (s.linux!.cgroupsPath = '/a/../b')))],
    ['an unknown capability', () => JSON.stringify(edit((s) => (s.process!.capabilities!.bounding = ['CAP_NOPE'])))],
    ['a capability named like Object.prototype', () => JSON.stringify(edit((s) => (s.process!.capabilities!.bounding = ['constructor'])))],
    ['an rlimit soft above hard', () => JSON.stringify(edit((s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 2, hard: 1 }])))],
    ['an unknown rlimit', () => JSON.stringify(edit((s) => (s.process!.rlimits = [{ type: 'toString', soft: 1, hard: 1 }])))],
    ['a missing rootfs', () => JSON.stringify(edit((s) => (s.root = { path: 'nope' })))],
    ['ociVersion 2', () => JSON.stringify(edit((s) => (s.ociVersion = '2.0.0')))],
    ['no process', () => JSON.stringify(edit((s) => delete s.process))],
    ['relative cwd', () => JSON.stringify(edit((s) => (s.process!.cwd = 'x')))],
    ['env without =', () => JSON.stringify(edit((s) => (s.process!.env = ['X'])))],
    ['seccomp SCMP_ACT_NOTIFY', () => JSON.stringify(edit((s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY' })))],
    ['seccomp listenerPath', () => JSON.stringify(edit((s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/x' })))],
    [
      'seccomp argument index 6',
      () =>
        JSON.stringify(
          edit(
            (s) =>
              (s.linux!.seccomp = {
                defaultAction: 'SCMP_ACT_ALLOW',
                syscalls: [{ names: ['x'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }],
              }),
          ),
        ),
    ],
    ['a recursive mount attribute', () => JSON.stringify(edit((s) => s.mounts!.push({ destination: '/x', type: 'tmpfs', options: ['rro'] })))],
    [
      'a mount option named like Object.prototype',
      () => JSON.stringify(edit((s) => s.mounts!.push({ destination: '/x', type: 'tmpfs', options: ['constructor'] }))),
    ],
    ['a bind source that does not exist', () => JSON.stringify(edit((s) => s.mounts!.push({ destination: '/x', type: 'bind', source: 'nope' })))],
    ['a destination posix.normalize would change', () => JSON.stringify(edit((s) => s.mounts!.push({ destination: '/x/../y', type: 'tmpfs' })))],
    ['an id-mapped mount', () => JSON.stringify(edit((s) => s.mounts!.push({ destination: '/x', type: 'tmpfs', uidMappings: [] } as never)))],
    ['personality flags', () => JSON.stringify(edit((s) => (s.linux!.personality = { domain: 'LINUX', flags: ['x'] })))],
    ['a non-namespaced sysctl', () => JSON.stringify(edit((s) => (s.linux!.sysctl = { 'vm.swappiness': '1' })))],
    ['a FIFO device', () => JSON.stringify(edit((s) => (s.linux!.devices = [{ path: '/dev/f', type: 'p' }])))],
    ['an annotation key JSON.stringify would reorder', () => JSON.stringify(edit((s) => (s.annotations = { b: '1', '7': '2' })))],
    ['null', () => JSON.stringify(edit((s) => (s.process!.user.umask = null as never)))],
    ['a number with a fraction', () => JSON.stringify(edit((s) => (s.linux!.resources = { cpu: { shares: 1.5 } })))],
    ['a number beyond 2^53', () => JSON.stringify(runc()).replace('"hard":1024', '"hard":18446744073709551615')],
    ['a lone surrogate escape', () => JSON.stringify(runc()).replace('"TERM=xterm"', '"TERM=\\ud800"')],
    ['a raw control character inside a string (JSON.parse refuses)', () => JSON.stringify(runc()).replace('"TERM=xterm"', '"TERM=\txterm"')],
    ['not JSON', () => '{"ociVersion": '],
    ['text after the JSON', () => `${JSON.stringify(runc())} x`],
    ['a comment', () => `/* c */ ${JSON.stringify(runc())}`],
    ['bytes that are not UTF-8', () => JSON.stringify(runc()).replace('"TERM=xterm"', '"TERM=\xff"')],
    ['a launch-config separator in a value', () => JSON.stringify(edit((s) => (s.process!.args = ['a\u001fb'])))],
  ];
  test.each(handOver)('%s', (_what, make) => {
    const text = make();
    const file = join(dir, 'config.json');
    writeFileSync(file, text, text.includes('\xff') ? 'latin1' : 'utf8');
    const out = JSON.parse(execFileSync(printer, [file, bundle, 'c1'], { encoding: 'utf8' })) as Printed;
    expect(out.handOver).toEqual(expect.any(String));
    expect(out.entries).toBeUndefined();
  });
});
