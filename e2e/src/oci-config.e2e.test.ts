/**
 * config.json coverage of mydocker-oci: process fields, root, mounts, hooks (state on stdin, timeouts),
 * namespaces joined by path and a user namespace with mappings, devices and device rules, resources and
 * `update`, sysctl, seccomp argument filters, rootfsPropagation, personality; clear refusals of what this
 * kernel or runtime cannot do; and exec --process, ps, list, pause/resume.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, safeReaddir, waitFor } from './harness';
import { OCI_BIN, busyboxRootfs, runtime, writeBundle } from './oci-util';
import type { ParsedJson } from './json';

const sandbox = new Sandbox('ocicfg');
const stateRoot = join(sandbox.dir, 'state');
let rootfs: string;
const oci = (args: string[], input?: string) => runtime(OCI_BIN, ['--root', stateRoot, ...args], sandbox.dir, input);
let n = 0;
/** A bundle running `script` in sh, with `patch` applied; returns its directory. */
function bundle(script: string, patch: (s: ParsedJson) => void = () => undefined): string {
  const dir = join(sandbox.dir, `b${++n}`);
  writeBundle(dir, rootfs, ['sh', '-c', script], (s) => {
    s.linux.cgroupsPath = `/${sandbox.cgroupParent}/b${n}`;
    patch(s);
  });
  return dir;
}

beforeAll(() => {
  rootfs = busyboxRootfs(sandbox.dir);
});

afterAll(async () => {
  for (const id of safeReaddir(stateRoot)) await oci(['delete', '--force', id]);
  expect(await sandbox.destroy()).toEqual([]);
});

test('process: user, groups, umask, env, cwd, rlimits, oomScoreAdj, capability sets with ambient', async () => {
  const r = await oci([
    'run',
    '--bundle',
    bundle('id; umask; echo $FOO; pwd; ulimit -n; ulimit -u; cat /proc/self/oom_score_adj; grep -E "^Cap(Inh|Prm|Eff|Amb)" /proc/self/status', (s) => {
      s.process.user = { uid: 1000, gid: 1001, additionalGids: [20, 30], umask: 0o077 };
      s.process.env.push('FOO=bar baz');
      s.process.cwd = '/work/dir';
      s.process.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 100, hard: 200 },
        { type: 'RLIMIT_NPROC', soft: 50, hard: 50 },
      ];
      s.process.oomScoreAdj = 123;
      const caps = ['CAP_NET_BIND_SERVICE', 'CAP_KILL'];
      s.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: ['CAP_NET_BIND_SERVICE'] };
      s.root.readonly = false;
    }),
    'proc',
  ]);
  expect(r.stderr).toBe('');
  expect(r.stdout.split('\n')).toEqual([
    'uid=1000 gid=1001 groups=20,30',
    '0077',
    'bar baz',
    '/work/dir',
    '100',
    '50',
    '123',
    // Through execve a non-root user keeps only the ambient set in permitted/effective (the kernel's rule,
    // the same under runc); the inheritable set stays as config.json gives it.
    'CapInh:\t0000000000000420',
    'CapPrm:\t0000000000000400',
    'CapEff:\t0000000000000400',
    'CapAmb:\t0000000000000400',
    '',
  ]);
  expect(r.code).toBe(0);
});

test('root readonly, hostname, domainname, mounts with options, rootfsPropagation, personality, sysctl', async () => {
  const src = join(sandbox.dir, 'bind-src');
  require('node:fs').mkdirSync(src);
  writeFileSync(join(src, 'f'), 'from host\n');
  const r = await oci([
    'run',
    '--bundle',
    bundle(
      [
        'touch /x 2>/dev/null && echo root-rw || echo root-ro',
        'echo $(hostname) $(cat /proc/sys/kernel/domainname)',
        'cat /data/f; touch /data/g 2>/dev/null && echo data-rw || echo data-ro',
        'grep " /data " /proc/self/mountinfo | cut -d" " -f6',
        'grep " /scratch " /proc/self/mountinfo | sed -e "s/^[^ ]* [^ ]* [^ ]* [^ ]* [^ ]* \\([^ ]*\\) .* - \\([^ ]*\\) [^ ]* \\(.*\\)$/\\1 \\2 \\3/"',
        'grep -E "^[0-9]+ [0-9]+ [^ ]+ [^ ]+ / " /proc/self/mountinfo | grep -o "shared:[0-9]*" | wc -l',
        'uname -m',
        'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced',
      ].join('; '),
      (s) => {
        s.hostname = 'cfg-host';
        s.domainname = 'example.test';
        s.mounts.push({ destination: '/data', type: 'bind', source: src, options: ['rbind', 'ro', 'nosuid', 'nodev'] });
        s.mounts.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'size=1m', 'mode=700'] });
        s.linux.rootfsPropagation = 'rshared';
        s.linux.personality = { domain: 'LINUX32' };
        s.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shm_rmid_forced': '1' };
      },
    ),
    'misc',
  ]);
  expect(r.stderr).toBe('');
  expect(r.stdout.split('\n')).toEqual([
    'root-ro',
    'cfg-host example.test',
    'from host',
    'data-ro',
    'ro,nosuid,nodev,relatime',
    'rw,noexec,relatime tmpfs rw,size=1024k,mode=700',
    '1',
    'i686',
    '1',
    '1',
    '',
  ]);
  expect(existsSync(join(src, 'g'))).toBe(false);
});

test('hooks: each stage with the state on stdin, in order; a hook past its timeout fails the create and leaves nothing', async () => {
  const log = join(sandbox.dir, 'hooks.log');
  const hook = (stage: string) => ({ path: '/bin/sh', args: ['sh', '-c', `read -r s; echo "${stage} $s" >> ${log}`] });
  const inContainer = (stage: string) => ({ path: '/bin/sh', args: ['sh', '-c', `read -r s; echo "${stage} $s" >> /tmp/hooks-in`] });
  const dir = bundle('echo ran >> /tmp/hooks-in; exit 0', (s) => {
    s.root.readonly = false;
    s.hooks = {
      prestart: [hook('prestart')],
      createRuntime: [hook('createRuntime')],
      createContainer: [hook('createContainer')],
      startContainer: [inContainer('startContainer')],
      poststart: [hook('poststart')],
      poststop: [hook('poststop')],
    };
  });
  rmSync(join(rootfs, 'tmp/hooks-in'), { force: true });
  const r = await oci(['run', '--bundle', dir, 'hooks']);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  expect(lines.map((l) => l.split(' ')[0])).toEqual(['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop']);
  for (const l of lines) expect(JSON.parse(l.slice(l.indexOf(' ') + 1))).toMatchObject({ id: 'hooks', bundle: dir });
  expect(JSON.parse(lines[2].slice(lines[2].indexOf(' ') + 1)).pid).toBeGreaterThan(0);
  const inside = readFileSync(join(rootfs, 'tmp/hooks-in'), 'utf8').trim().split('\n');
  expect(inside[0]).toMatch(/^startContainer \{.*"id":"hooks"/);
  expect(inside[1]).toBe('ran');
  const slow = bundle('true', (s) => (s.hooks = { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] }));
  const t = await oci(['create', '--bundle', slow, 'slow']);
  expect(t.code).toBe(1);
  expect(t.stderr).toMatch(/createRuntime hook \/bin\/sleep .*(timed out|killed)/);
  expect(safeReaddir(stateRoot)).toEqual([]);
});

test('namespaces joined by path; a user namespace with uid/gid mappings', async () => {
  expect((await oci(['create', '--bundle', bundle('sleep 300'), 'owner'])).code).toBe(0);
  const owner = JSON.parse((await oci(['state', 'owner'])).stdout);
  const netns = statSync(`/proc/${owner.pid}/ns/net`).ino;
  const joined = await oci([
    'run',
    '--bundle',
    bundle('stat -L -c %i /proc/self/ns/net', (s) => {
      s.linux.namespaces = s.linux.namespaces.map((ns: ParsedJson) => (ns.type === 'network' ? { type: 'network', path: `/proc/${owner.pid}/ns/net` } : ns));
    }),
    'joiner',
  ]);
  expect(joined.stdout.trim()).toBe(String(netns));
  expect((await oci(['delete', '--force', 'owner'])).code).toBe(0);

  // The mapped root (host uid 100000) must be able to reach the rootfs, as under runc.
  require('node:fs').chmodSync(sandbox.dir, 0o755);
  const user = await oci([
    'run',
    '--bundle',
    bundle('id -u; cat /proc/self/uid_map /proc/self/gid_map | tr -s " "; ls -l /dev/null | cut -c1', (s) => {
      s.linux.namespaces.push({ type: 'user' });
      s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      // cgroupfs cannot be mounted from a user namespace on a v1 host: leave it out.
      s.mounts = s.mounts.filter((m: ParsedJson) => m.type !== 'cgroup');
    }),
    'userns',
  ]);
  expect(user.stderr).toBe('');
  expect(user.stdout.split('\n').map((l) => l.trim())).toEqual(['0', '0 100000 65536', '0 100000 65536', 'c', '']);
});

test('devices and device rules: an allowed node works, a node the rules deny does not', async () => {
  const r = await oci([
    'run',
    '--bundle',
    bundle(
      'echo x > /dev/mynull && echo null-ok; stat -c "%a %t:%T" /dev/mynull; head -c1 /dev/myzero >/dev/null 2>&1 && echo zero-ok || echo zero-denied',
      (s) => {
        s.linux.devices = [
          { path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 0, gid: 0 },
          { path: '/dev/myzero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
        ];
        // Only the listed rule for 1:3 after deny-all; 1:5 is /dev/zero's number, allowed as a default node... so deny it last.
        s.linux.resources = {
          devices: [
            { allow: false, access: 'rwm' },
            { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' },
          ],
        };
      },
    ),
    'dev',
  ]);
  expect(r.stdout.split('\n')).toEqual(['null-ok', '640 1:3', 'zero-ok', '']);
});

test('seccomp argument filters: kill with signal 0 refused, other signals allowed', async () => {
  const r = await oci([
    'run',
    '--bundle',
    bundle('kill -0 $$ 2>/dev/null && echo zero-sent || echo zero-refused; kill -CONT $$ && echo cont-sent; grep Seccomp: /proc/self/status', (s) => {
      s.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 1, value: 0, op: 'SCMP_CMP_EQ' }] }],
      };
    }),
    'sc',
  ]);
  expect(r.stdout.split('\n')).toEqual(['zero-refused', 'cont-sent', 'Seccomp:\t2', '']);
});

test('refusals of what this runtime or kernel cannot do: one sentence, exit 1, nothing left', async () => {
  const cases: Array<[RegExp, (s: ParsedJson) => void]> = [
    [/time namespace/, (s) => s.linux.namespaces.push({ type: 'time' })],
    [/Personality flags/, (s) => (s.linux.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] })],
    [/blockIO/, (s) => (s.linux.resources.blockIO = { weight: 100 })],
    [/hugepageLimits/, (s) => (s.linux.resources.hugepageLimits = [{ pageSize: '2MB', limit: 1 }])],
    [/systemd/, (s) => (s.linux.cgroupsPath = 'system.slice:oci:x')],
    [/SCMP_ACT_NOTIFY/, (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY' })],
    [/not namespaced/, (s) => (s.linux.sysctl = { 'kernel.panic': '1' })],
    [/id-mapped/, (s) => s.mounts.push({ destination: '/m', type: 'bind', source: '/tmp', options: ['bind', 'idmap'] })],
  ];
  const results = await Promise.all(cases.map(async ([, patch], i) => oci(['create', '--bundle', bundle('true', patch), `refuse${i}`])));
  results.forEach((r, i) => {
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(cases[i][0]);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
  expect(safeReaddir(stateRoot)).toEqual([]);
});

test('exec --process, --env/--cwd, ps, list, pause/resume, update --resources', async () => {
  const dir = bundle('sleep 300', (s) => (s.linux.resources = { pids: { limit: 100 } }));
  expect((await oci(['run', '--detach', '--bundle', dir, 'ex'])).code).toBe(0);
  const proc = join(sandbox.dir, 'process.json');
  writeFileSync(
    proc,
    JSON.stringify({
      user: { uid: 65534, gid: 65534 },
      args: ['sh', '-c', 'id -u; echo $A; pwd; exit 6'],
      env: ['A=from-process-json', 'PATH=/bin'],
      cwd: '/tmp',
    }),
  );
  expect(await oci(['exec', '--process', proc, 'ex'])).toMatchObject({ code: 6, stdout: '65534\nfrom-process-json\n/tmp\n' });
  expect(await oci(['exec', '--env', 'B=2', '--cwd', '/proc', 'ex', 'sh', '-c', 'echo $B $(pwd)'])).toMatchObject({ code: 0, stdout: '2 /proc\n' });
  const pidFile = join(sandbox.dir, 'exec.pid');
  expect((await oci(['exec', '--detach', '--pid-file', pidFile, 'ex', 'sleep', '200'])).code).toBe(0);
  const execPid = Number(readFileSync(pidFile, 'utf8'));
  const ps = JSON.parse((await oci(['ps', '--format', 'json', 'ex'])).stdout);
  expect(ps).toContain(execPid);
  expect((await oci(['ps', 'ex'])).stdout).toMatch(/PID[\s\S]*sleep 200/);
  expect((await oci(['exec', '--tty', 'ex', 'true'])).stderr).toContain('--console-socket');
  expect((await oci(['list'])).stdout).toMatch(/^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER\nex\s+\d+\s+running\s/);
  expect((await oci(['list', '-q'])).stdout).toBe('ex\n');
  expect((await oci(['pause', 'ex'])).code).toBe(0);
  expect(JSON.parse((await oci(['state', 'ex'])).stdout).status).toBe('paused');
  expect((await oci(['resume', 'ex'])).code).toBe(0);
  expect(JSON.parse((await oci(['state', 'ex'])).stdout).status).toBe('running');
  expect((await oci(['update', '--resources', '-', 'ex'], JSON.stringify({ pids: { limit: 77 }, memory: { limit: 50 * 1024 * 1024 } }))).code).toBe(0);
  expect((await oci(['exec', 'ex', 'cat', '/sys/fs/cgroup/pids/pids.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'])).stdout).toBe(
    `77\n${50 * 1024 * 1024}\n`,
  );
  expect((await oci(['kill', '--all', 'ex', 'KILL'])).code).toBe(0);
  await waitFor(
    async () => JSON.parse((await oci(['state', 'ex'])).stdout).status,
    (s) => s === 'stopped',
  );
  expect((await oci(['delete', 'ex'])).code).toBe(0);
});
