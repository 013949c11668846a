/**
 * mydocker-oci against the runtime spec's lifecycle, runc's command line, and runc itself as the yardstick:
 * one bundle from the host's busybox, run by both, must show the same state fields, exit codes and
 * environment (capabilities, mounts, cgroup limits, seccomp mode). Bad bundles are refused in one
 * sentence, exit 1, with nothing left in the state root.
 */
import { existsSync, readFileSync, rmdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { Sandbox, waitFor, safeReaddir } from './harness';
import { OCI_BIN, busyboxRootfs, runtime, writeBundle } from './oci-util';
import type { ParsedJson } from './json';

const sandbox = new Sandbox('oci');
const stateRoot = join(sandbox.dir, 'state');
const runcRoot = join(sandbox.dir, 'runc-state');
let rootfs: string;
const oci = (args: string[], input?: string) => runtime(OCI_BIN, ['--root', stateRoot, ...args], sandbox.dir, input);
const runc = (args: string[]) => runtime('runc', ['--root', runcRoot, ...args], sandbox.dir);
const cgroupsPath = (name: string) => `/${sandbox.cgroupParent}/${name}`;

beforeAll(() => {
  rootfs = busyboxRootfs(sandbox.dir);
});

afterAll(async () => {
  for (const id of safeReaddir(stateRoot)) await oci(['delete', '--force', id]);
  for (const id of safeReaddir(runcRoot)) await runc(['delete', '--force', id]);
  // runc leaves the (empty) parent of its cgroupsPath behind; mydocker-oci removes it as mydocker run does.
  for (const h of safeReaddir('/sys/fs/cgroup')) {
    try {
      rmdirSync(join('/sys/fs/cgroup', h, sandbox.cgroupParent));
    } catch {
      /* not there */
    }
  }
  expect(await sandbox.destroy()).toEqual([]);
});

async function stateOf(id: string): Promise<ParsedJson> {
  const r = await oci(['state', id]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

test('create leaves the process waiting (created), start runs it, kill stops it, state stays truthful, delete removes it', async () => {
  const bundle = join(sandbox.dir, 'life');
  writeBundle(bundle, rootfs, ['sleep', '300'], (s) => (s.linux.cgroupsPath = cgroupsPath('life')));
  const pidFile = join(sandbox.dir, 'life.pid');
  expect(await oci(['create', '--bundle', bundle, '--pid-file', pidFile, 'life'])).toMatchObject({ code: 0, stderr: '' });
  const created = await stateOf('life');
  expect(created).toMatchObject({ id: 'life', status: 'created', bundle, rootfs });
  expect(created.pid).toBeGreaterThan(0);
  expect(Number(readFileSync(pidFile, 'utf8'))).toBe(created.pid);
  // Waiting before exec: the process is still the runtime's copy, not sleep.
  expect(readFileSync(`/proc/${created.pid}/cmdline`, 'utf8')).not.toContain('sleep');
  expect((await oci(['list', '--format', 'json'])).stdout).toContain('"status":"created"');
  expect((await oci(['start', 'life'])).code).toBe(0);
  const running = await waitFor(
    () => readFileSync(`/proc/${created.pid}/cmdline`, 'utf8'),
    (c) => c.startsWith('sleep'),
  );
  expect(running).toContain('sleep');
  expect((await stateOf('life')).status).toBe('running');
  expect((await oci(['start', 'life'])).code).toBe(1);
  const ps = await oci(['ps', '--format', 'json', 'life']);
  expect(JSON.parse(ps.stdout)).toEqual([created.pid]);
  // Refuse to delete a running container without --force.
  const del = await oci(['delete', 'life']);
  expect(del.code).toBe(1);
  expect(del.stderr.trim().split('\n')).toHaveLength(1);
  expect((await oci(['kill', 'life', 'KILL'])).code).toBe(0);
  // The process is not our child (the create is long gone): a zombie reaped by init still reads stopped.
  const stopped = await waitFor(
    () => stateOf('life'),
    (s) => s.status === 'stopped',
  );
  expect(stopped).toMatchObject({ status: 'stopped', pid: 0 });
  expect((await oci(['kill', 'life'])).code).toBe(1);
  expect((await oci(['delete', 'life'])).code).toBe(0);
  expect(existsSync(join(stateRoot, 'life'))).toBe(false);
  expect((await oci(['state', 'life'])).code).toBe(1);
});

test("run is create + start + wait: the exit code is the container's and nothing is left", async () => {
  const bundle = join(sandbox.dir, 'run');
  writeBundle(bundle, rootfs, ['sh', '-c', 'echo out; echo err >&2; exit 7'], (s) => (s.linux.cgroupsPath = cgroupsPath('run')));
  const r = await oci(['run', '--bundle', bundle, 'run1']);
  expect(r).toMatchObject({ code: 7, stdout: 'out\n', stderr: 'err\n' });
  expect(safeReaddir(stateRoot)).toEqual([]);
  const missing = join(sandbox.dir, 'run-missing');
  writeBundle(missing, rootfs, ['no-such-command']);
  const bad = await oci(['run', '--bundle', missing, 'run2']);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('no-such-command');
  expect(safeReaddir(stateRoot)).toEqual([]);
});

test('run in the foreground forwards our signals to the container and ends with its code', async () => {
  const bundle = join(sandbox.dir, 'sig');
  writeBundle(bundle, rootfs, ['sh', '-c', 'trap "exit 9" TERM; while true; do sleep 1; done'], (s) => (s.linux.cgroupsPath = cgroupsPath('sig')));
  const child = spawn(OCI_BIN, ['--root', stateRoot, 'run', '--bundle', bundle, 'sig'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const running = await waitFor(
    async () => (await oci(['state', 'sig'])).stdout,
    (out) => out.includes('"running"'),
    60_000,
  );
  expect(running).toContain('"running"');
  child.kill('SIGTERM');
  expect(await exited).toBe(9);
  expect(safeReaddir(stateRoot)).toEqual([]);
});

describe('bad bundles: one sentence, exit 1, nothing left in the state root', () => {
  const cases: Array<[string, (dir: string) => void]> = [
    ['no config.json', (dir) => mkdirSync(dir, { recursive: true })],
    ['bad JSON', (dir) => (mkdirSync(dir, { recursive: true }), writeFileSync(join(dir, 'config.json'), '{"ociVersion": "1.0.2",'))],
    ['an unknown namespace', (dir) => writeBundle(dir, rootfs, ['true'], (s) => s.linux.namespaces.push({ type: 'bogus' }))],
    ['a relative root that does not exist', (dir) => writeBundle(dir, rootfs, ['true'], (s) => (s.root.path = 'no-rootfs-here'))],
    ['a relative cwd', (dir) => writeBundle(dir, rootfs, ['true'], (s) => (s.process.cwd = 'tmp'))],
    ['missing args', (dir) => writeBundle(dir, rootfs, ['true'], (s) => delete s.process.args)],
    ['an unknown capability', (dir) => writeBundle(dir, rootfs, ['true'], (s) => s.process.capabilities.bounding.push('CAP_NOPE'))],
    ['a terminal without --console-socket', (dir) => writeBundle(dir, rootfs, ['true'], (s) => (s.process.terminal = true))],
  ];
  test('each is refused', async () => {
    // All at once (each in its own id): they are independent, and the machine is shared.
    const results = await Promise.all(
      cases.map(async ([name, make], i) => {
        const dir = join(sandbox.dir, `bad-${i}`);
        make(dir);
        return { name, r: await oci(['create', '--bundle', dir, `bad${i}`]) };
      }),
    );
    for (const { name, r } of results) {
      expect({ name, code: r.code, stdout: r.stdout }).toEqual({ name, code: 1, stdout: '' });
      expect(r.stderr).toMatch(/^mydocker-oci: [^\n]+\.\n$/);
    }
    expect(safeReaddir(stateRoot)).toEqual([]);
  });

  test('an id that exists is refused and the existing container is untouched', async () => {
    const bundle = join(sandbox.dir, 'dup');
    writeBundle(bundle, rootfs, ['sleep', '300'], (s) => (s.linux.cgroupsPath = cgroupsPath('dup')));
    expect((await oci(['create', '--bundle', bundle, 'dup'])).code).toBe(0);
    const before = await stateOf('dup');
    const r = await oci(['create', '--bundle', bundle, 'dup']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mydocker-oci: The container "dup" already exists.\n');
    expect(await stateOf('dup')).toEqual(before);
    expect((await oci(['delete', '--force', 'dup'])).code).toBe(0);
    expect(safeReaddir(stateRoot)).toEqual([]);
  });
});

test('global flags: --systemd-cgroup refused, --log json records the error, --version, spec, features', async () => {
  const r = await oci(['--systemd-cgroup', 'list']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('--systemd-cgroup is not supported');
  const logFile = join(sandbox.dir, 'runtime.log');
  const bad = await runtime(OCI_BIN, ['--root', stateRoot, '--log', logFile, '--log-format', 'json', 'state', 'nope'], sandbox.dir);
  expect(bad.code).toBe(1);
  const line = JSON.parse(readFileSync(logFile, 'utf8').trim().split('\n').pop()!);
  expect(line).toMatchObject({ level: 'error', msg: 'The container "nope" does not exist.' });
  expect((await oci(['--version'])).stdout).toMatch(/^mydocker-oci version \S+\nspec: 1\.2\.0\n$/);
  const features = JSON.parse((await oci(['features'])).stdout);
  expect(features.linux.namespaces).toContain('user');
  expect(features.linux.seccomp.enabled).toBe(true);
  const specDir = join(sandbox.dir, 'spec');
  mkdirSync(specDir);
  expect((await oci(['spec', '--bundle', specDir])).code).toBe(0);
  const spec = JSON.parse(readFileSync(join(specDir, 'config.json'), 'utf8'));
  expect(spec.process.args).toEqual(['sh']);
  expect((await oci(['spec', '--bundle', specDir])).code).toBe(1);
});

describe('runc as the yardstick', () => {
  const probe = [
    'grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):" /proc/self/status',
    'echo limits $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.shares)',
    'echo hostname $(hostname) uid $(id -u) gid $(id -g) umask $(umask) nofile $(ulimit -n)',
    // Mount points and their main flags (the filesystem under a masked path may differ: runc's /dev/null vs the host's).
    'cut -d" " -f5,6 /proc/self/mountinfo | sed -e "s/,relatime//" | sort',
    'echo ro-root $(touch /x 2>&1 | wc -l) masked $(cat /proc/kcore 2>&1 | wc -c)',
  ].join('; ');

  const patch = (name: string) => (s: ParsedJson) => {
    s.linux.cgroupsPath = cgroupsPath(name);
    s.linux.resources = { devices: [{ allow: false, access: 'rwm' }], memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 42 }, cpu: { shares: 512 } };
    s.process.user.umask = 0o027;
    s.process.capabilities.inheritable = ['CAP_KILL'];
    s.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [
        { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
        // personality(0xffffffff) only is refused: an argument filter.
        { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 4294967295, op: 'SCMP_CMP_EQ' }] },
      ],
    };
    s.process.args = ['sh', '-c', `${probe}; mkdir /tmp/d 2>&1 | grep -c denied; exit 5`];
  };

  test('same bundle: same exit code, state fields and visible environment', async () => {
    const a = join(sandbox.dir, 'yard-mine');
    const b = join(sandbox.dir, 'yard-runc');
    writeBundle(a, rootfs, [], patch('yard-mine'));
    writeBundle(b, rootfs, [], patch('yard-runc'));
    const mine = await oci(['run', '--bundle', a, 'yard']);
    const theirs = await runc(['run', '--bundle', b, 'yard']);
    expect(mine.stderr).toBe(theirs.stderr);
    expect(mine.code).toBe(5);
    expect(theirs.code).toBe(5);
    // Our /sys/fs/cgroup is a read-only tmpfs (runc's is read-write) and also shows the unified hierarchy.
    // Masked and read-only paths keep only ro/rw: mydocker run's masking (shared) adds nosuid,nodev,noexec.
    const normalize = (out: string) =>
      out
        .split('\n')
        .filter((l) => !l.startsWith('/sys/fs/cgroup ') && !l.startsWith('/sys/fs/cgroup/unified'))
        .map((l) => (/^\/(proc\/|sys\/firmware)/.test(l) ? l.replace(/ (r[ow]).*$/, ' $1') : l))
        .join('\n');
    expect(normalize(mine.stdout)).toBe(normalize(theirs.stdout));
    expect(mine.stdout).toContain('Seccomp:\t2');
    expect(mine.stdout).toContain('limits 67108864 42 512');

    // The state JSON: the same fields through create, start and stop.
    writeBundle(a, rootfs, ['sleep', '300'], (s) => (s.linux.cgroupsPath = cgroupsPath('yard-mine')));
    writeBundle(b, rootfs, ['sleep', '300'], (s) => (s.linux.cgroupsPath = cgroupsPath('yard-runc')));
    const states: Record<string, ParsedJson[]> = { mine: [], runc: [] };
    for (const [name, run, bundle] of [
      ['mine', oci, a],
      ['runc', runc, b],
    ] as const) {
      expect((await run(['create', '--bundle', bundle, 'y2'])).code).toBe(0);
      states[name].push(JSON.parse((await run(['state', 'y2'])).stdout));
      expect((await run(['start', 'y2'])).code).toBe(0);
      states[name].push(JSON.parse((await run(['state', 'y2'])).stdout));
      expect((await run(['kill', 'y2', 'KILL'])).code).toBe(0);
      states[name].push(
        await waitFor(
          async () => JSON.parse((await run(['state', 'y2'])).stdout),
          (s) => s.status === 'stopped',
        ),
      );
      expect((await run(['delete', 'y2'])).code).toBe(0);
    }
    const shape = (s: ParsedJson) => ({ keys: Object.keys(s).sort(), status: s.status, id: s.id, hasPid: s.pid > 0, root: s.rootfs === rootfs });
    expect(states.mine.map(shape)).toEqual(states.runc.map(shape));
  });

  // runc's default (linux.rootfsPropagation unset) makes every mount rslave before the container's are made:
  // a mount the host makes later under a shared bind source reaches the container; rprivate keeps it out.
  test('root propagation: unset is rslave as in runc, rprivate is private', async () => {
    const shared = join(sandbox.dir, 'prop-shared');
    mkdirSync(shared);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', shared]);
    execFileSync('mount', ['--make-shared', shared]);
    const seen: Record<string, string> = {};
    try {
      for (const [who, run] of [
        ['mine', oci],
        ['runc', runc],
      ] as const) {
        for (const propagation of ['default', 'rprivate']) {
          const name = `prop-${who}-${propagation}`;
          const b = join(sandbox.dir, name);
          const script = `test -e /shared/${name}/marker && echo seen > /shared/${name}.out || echo unseen > /shared/${name}.out`;
          writeBundle(b, rootfs, ['sh', '-c', script], (s) => {
            s.linux.cgroupsPath = cgroupsPath(name);
            s.mounts.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind'] });
            if (propagation !== 'default') s.linux.rootfsPropagation = propagation;
          });
          expect((await run(['create', '--bundle', b, name])).code).toBe(0);
          // The container's mounts exist now; the host mounts after them.
          mkdirSync(join(shared, name));
          execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', join(shared, name)]);
          writeFileSync(join(shared, name, 'marker'), '');
          expect((await run(['start', name])).code).toBe(0);
          const out = join(shared, `${name}.out`);
          const said = await waitFor(
            () => (existsSync(out) ? readFileSync(out, 'utf8') : ''),
            (text) => text.endsWith('\n'),
            30_000,
          );
          seen[name] = said.trim();
          const status = await waitFor(
            async () => JSON.parse((await run(['state', name])).stdout).status,
            (st) => st === 'stopped',
          );
          expect(status).toBe('stopped');
          expect((await run(['delete', name])).code).toBe(0);
          execFileSync('umount', [join(shared, name)]);
        }
      }
    } finally {
      execFileSync('umount', ['-R', shared]);
    }
    expect(seen).toEqual({
      'prop-mine-default': 'seen',
      'prop-mine-rprivate': 'unseen',
      'prop-runc-default': 'seen',
      'prop-runc-rprivate': 'unseen',
    });
  });
});
