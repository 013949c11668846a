import { spawnSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { host, Sandbox, waitFor } from './harness';

/**
 * Issue 12/13, runtime side: device nodes (--device, --privileged), a read-only and namespaced cgroup
 * view in every network mode, ptrace as Docker's seccomp profile allows it, out-of-range uids, launch
 * configs far beyond 256 entries, and descriptors the monitor holds for the container's life.
 */
const sandbox = new Sandbox('isort');
const toolDir = join(sandbox.dir, 'tools');

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

async function inspect(name: string): Promise<Record<string, any>> {
  const parsed = JSON.parse(await sandbox.ok(['container-record', name]));
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

async function noContainers(): Promise<void> {
  expect((await sandbox.run(['ps', '-a', '-q'])).stdout.trim()).toBe('');
}

/** One refusal: exit 125, one sentence on stderr with one "Error: ", nothing left. */
async function refused(args: string[], message: RegExp): Promise<void> {
  const r = await sandbox.run(args);
  expect(r.code).toBe(125);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^Error: /);
  expect(r.stderr).not.toMatch(/Error: .*Error/);
  expect(r.stderr).toMatch(message);
  await noContainers();
}

function compile(name: string, source: string): string {
  mkdirSync(toolDir, { recursive: true });
  writeFileSync(join(toolDir, `${name}.c`), source);
  const cc = spawnSync('gcc', ['-O2', '-static', '-o', join(toolDir, name), join(toolDir, `${name}.c`)], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cannot build ${name}: ${cc.stderr}`);
  return `/tools/${name}`;
}

/** "c 1:11 644" for a node, as `stat` inside the container prints it (major and minor in hex there). */
function hostNode(path: string): string {
  const st = lstatSync(path, { bigint: true });
  const major = Number(((st.rdev >> 8n) & 0xfffn) | ((st.rdev >> 32n) & 0xfffff000n));
  const minor = Number((st.rdev & 0xffn) | ((st.rdev >> 12n) & 0xffffff00n));
  return `${st.isBlockDevice() ? 'b' : 'c'} ${major}:${minor} ${(Number(st.mode) & 0o7777).toString(8)}`;
}

const STAT_NODE = `for f in "$@"; do t=c; [ -b "$f" ] && t=b; echo "$f $t $(printf %d 0x$(stat -c %t "$f")):$(printf %d 0x$(stat -c %T "$f")) $(stat -c %a "$f")"; done`;

describe('devices', () => {
  it('--device HOST:CONTAINER:PERMS creates the host node in the container and records it for the device cgroup', async () => {
    const out = await sandbox.ok([
      'run',
      '--name',
      'dev',
      '--device',
      '/dev/kmsg:/dev/hostkmsg:r',
      '--device',
      '/dev/null:/dev/sub/null2',
      'busybox',
      'sh',
      '-c',
      STAT_NODE,
      'sh',
      '/dev/hostkmsg',
      '/dev/sub/null2',
    ]);
    expect(out.trim().split('\n')).toEqual([`/dev/hostkmsg ${hostNode('/dev/kmsg')}`, `/dev/sub/null2 ${hostNode('/dev/null')}`]);
    const record = await inspect('dev');
    expect(record.devices).toEqual([
      expect.objectContaining({ path: '/dev/hostkmsg', type: 'c', major: 1, minor: 11, access: 'r' }),
      expect.objectContaining({ path: '/dev/sub/null2', type: 'c', major: 1, minor: 3, access: 'rwm' }),
    ]);
    await sandbox.ok(['rm', 'dev']);
  });

  it('a default container has only the default nodes; --privileged sees every host device and a read-write /sys', async () => {
    const hostDevices = readdirSync('/dev')
      .map((n) => `/dev/${n}`)
      .filter((p) => {
        const st = lstatSync(p);
        return (st.isBlockDevice() || st.isCharacterDevice()) && !['/dev/console', '/dev/ptmx', '/dev/tty'].includes(p);
      });
    const block = hostDevices.find((p) => lstatSync(p).isBlockDevice());
    const probe = ['/dev/kmsg', ...(block ? [block] : [])];
    const plain = await sandbox.run(['run', '--rm', 'busybox', 'sh', '-c', 'ls /dev; grep " /sys " /proc/self/mountinfo']);
    expect(plain.code).toBe(0);
    const plainDev = plain.stdout.split('\n');
    for (const p of probe) expect(plainDev).not.toContain(p.slice(5));
    expect(plain.stdout).toMatch(/ \/sys ro,/);

    const priv = await sandbox.ok([
      'run',
      '--rm',
      '--privileged',
      'busybox',
      'sh',
      '-c',
      `${STAT_NODE}; ls /dev; grep -E " /sys(/fs/cgroup[^ ]*)? " /proc/self/mountinfo`,
      'sh',
      ...probe,
    ]);
    const lines = priv.split('\n');
    for (const p of probe) expect(lines).toContain(`${p} ${hostNode(p)}`);
    for (const p of hostDevices) expect(lines).toContain(p.slice(5).split('/')[0]);
    expect(priv).toMatch(/ \/sys rw,/);
    // Docker gives a privileged container a writable cgroupfs; it is still its own subtree (root "/").
    const cgroupMounts = lines.filter((l) => / \/sys\/fs\/cgroup\/\S+ /.test(l));
    expect(cgroupMounts.length).toBeGreaterThan(0);
    for (const m of cgroupMounts) expect(m).toMatch(/ \/ \/sys\/fs\/cgroup\/\S+ rw,/);
    await noContainers();
  });

  it("refuses bad --device values with Docker's rules, exit 125 and nothing made", async () => {
    await refused(['run', '--rm', '--device', '/dev/no-such-device', 'busybox', 'true'], /"\/dev\/no-such-device": no such file or directory/);
    await refused(['run', '--rm', '--device', '/etc/hostname', 'busybox', 'true'], /"\/etc\/hostname": not a device node/);
    await refused(['run', '--rm', '--device', '/dev/null:/dev/null:rwx', 'busybox', 'true'], /bad mode specified: rwx/);
    await refused(['run', '--rm', '--device', '/dev/null:dev/null', 'busybox', 'true'], /dev\/null is not an absolute path/);
    await refused(['run', '--rm', '--device', '/dev/null:/a:r:w', 'busybox', 'true'], /bad format for path/);
  });
});

describe('the cgroup view is read-only and confined in every network mode', () => {
  const v2 = (() => {
    try {
      return lstatSync('/sys/fs/cgroup/cgroup.controllers').isFile();
    } catch {
      return false;
    }
  })();
  const memoryDir = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory';
  const limitFile = v2 ? 'memory.max' : 'memory.limit_in_bytes';
  const SCRIPT = `
    for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do mkdir "$d"escape 2>/dev/null && echo "mkdir $d: ALLOWED"; done
    echo $$ > ${memoryDir}/cgroup.procs 2>/dev/null && echo "cgroup.procs: ALLOWED"
    echo 1073741824 > ${memoryDir}/${limitFile} 2>/dev/null && echo "memory limit: ALLOWED"
    echo "limit $(cat ${memoryDir}/${limitFile})"
    echo "security $(ls /sys/kernel/security | wc -l)"
    while read -r id parent dev root point opts rest; do case "$point" in /sys|/sys/fs/cgroup*) echo "mount $point $root \${opts%%,*}";; esac; done < /proc/self/mountinfo
    sed 's/^[^:]*:[^:]*:/cgroup /' /proc/self/cgroup
  `;

  for (const net of ['host', 'none']) {
    it(`--net ${net}: no mkdir, no move, no limit change; its own subtree at /; /sys read-only`, async () => {
      const out = await sandbox.ok(['run', '--rm', '--net', net, '-m', '64m', 'busybox', 'sh', '-c', SCRIPT]);
      const lines = out.trim().split('\n');
      expect(lines.filter((l) => l.includes('ALLOWED'))).toEqual([]);
      expect(lines).toContain(`limit ${v2 ? '67108864' : String(64 * 1024 * 1024)}`);
      expect(lines).toContain('security 0');
      const mounts = lines.filter((l) => l.startsWith('mount '));
      expect(mounts.length).toBeGreaterThanOrEqual(2);
      // Every cgroup mount shows the container's cgroup as its root ("/"), never the host's ("/../..").
      for (const m of mounts) expect(m).toMatch(/^mount \/sys\S* \/ ro$/);
      expect(lines.filter((l) => l.startsWith('cgroup ') && l !== 'cgroup /')).toEqual([]);
      await noContainers();
    });
  }

  it('runc with the host network namespace and its own cgroup namespace blocks the same writes', () => {
    const bundle = join(sandbox.dir, 'runc-bundle');
    const state = join(sandbox.dir, 'runc-state');
    mkdirSync(join(bundle, 'rootfs', 'bin'), { recursive: true });
    mkdirSync(state, { recursive: true });
    copyFileSync('/usr/bin/busybox', join(bundle, 'rootfs', 'bin', 'busybox'));
    for (const tool of ['sh', 'mkdir', 'echo', 'cat', 'ls', 'wc', 'sed']) symlinkSync('busybox', join(bundle, 'rootfs', 'bin', tool));
    expect(spawnSync('runc', ['spec'], { cwd: bundle }).status).toBe(0);
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    spec.process.terminal = false;
    spec.process.args = ['sh', '-c', SCRIPT];
    spec.linux.namespaces = [...spec.linux.namespaces.filter((n: { type: string }) => n.type !== 'network'), { type: 'cgroup' }];
    spec.linux.cgroupsPath = `/${sandbox.cgroupParent}/runc-net-host`;
    spec.linux.resources = { ...spec.linux.resources, memory: { limit: 64 * 1024 * 1024 } };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    const r = spawnSync('runc', ['--root', state, 'run', '-b', bundle, `runc-${sandbox.tag}`], { encoding: 'utf8', timeout: 30_000 });
    spawnSync('runc', ['--root', state, 'delete', '-f', `runc-${sandbox.tag}`]);
    for (const h of readdirSync('/sys/fs/cgroup')) spawnSync('rmdir', [`/sys/fs/cgroup/${h}/${sandbox.cgroupParent}`]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => l.includes('ALLOWED'))).toEqual([]);
    expect(lines).toContain(`limit ${64 * 1024 * 1024}`);
    // runc leaves the tmpfs at /sys/fs/cgroup itself read-write; each hierarchy is read-only, as ours.
    for (const m of lines.filter((l) => l.startsWith('mount /sys/fs/cgroup/'))) expect(m).toMatch(/ \/ ro$/);
  });
});

it('ptrace works as in Docker on kernels >= 4.8: PTRACE_TRACEME and PTRACE_ATTACH of a child; kcmp still needs SYS_PTRACE', async () => {
  const tool = compile(
    'tracer',
    String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  int st;
  pid_t c = fork();
  if (c == 0) {
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) _exit(2);
    raise(SIGSTOP);
    _exit(0);
  }
  waitpid(c, &st, 0);
  int stopped = WIFSTOPPED(st);
  if (stopped) { ptrace(PTRACE_CONT, c, NULL, NULL); waitpid(c, &st, 0); }
  printf("traceme %s\n", stopped && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "failed");
  pid_t d = fork();
  if (d == 0) for (;;) pause();
  if (ptrace(PTRACE_ATTACH, d, NULL, NULL) < 0) printf("attach %s\n", strerror(errno));
  else { waitpid(d, &st, 0); printf("attach %s\n", WIFSTOPPED(st) ? "ok" : "failed"); ptrace(PTRACE_DETACH, d, NULL, NULL); }
  long k = syscall(SYS_kcmp, getpid(), d, KCMP_VM, 0, 0);
  printf("kcmp %s\n", k >= 0 ? "ok" : strerror(errno));
  kill(d, SIGKILL);
  waitpid(d, NULL, 0);
  return 0;
}
`,
  );
  const run = (...flags: string[]) => sandbox.ok(['run', '--rm', ...flags, '-v', `${toolDir}:/tools:ro`, 'busybox', tool]);
  expect((await run()).trim().split('\n')).toEqual(['traceme ok', 'attach ok', 'kcmp Operation not permitted']);
  expect((await run('--cap-drop', 'ALL')).trim().split('\n')).toEqual(['traceme ok', 'attach ok', 'kcmp Operation not permitted']);
  // What the filter decides must match no filter at all for ptrace itself.
  expect((await run('--security-opt', 'seccomp=unconfined')).trim().split('\n')).toEqual(['traceme ok', 'attach ok', 'kcmp ok']);
  expect((await run('--cap-add', 'SYS_PTRACE')).trim().split('\n')).toEqual(['traceme ok', 'attach ok', 'kcmp ok']);
  await noContainers();
});

it('refuses out-of-range uids and gids in run and exec, as runc does', async () => {
  for (const user of ['99999999999', '0:99999999999', '2147483648', '18446744073709551616:0']) {
    await refused(['run', '--rm', '-u', user, 'busybox', 'id'], /uids and gids must be in range 0-2147483647/);
  }
  expect((await sandbox.ok(['run', '--rm', '-u', '2147483647:2147483647', 'busybox', 'id', '-u'])).trim()).toBe('2147483647');
  await sandbox.ok(['run', '-d', '--name', 'uid', 'busybox', 'sleep', '300']);
  const r = await sandbox.run(['exec', '-u', '99999999999', 'uid', 'id']);
  expect(r.code).toBe(125);
  expect(r.stderr).toMatch(/^Error: Invalid user "99999999999": uids and gids must be in range 0-2147483647\.\n$/);
  await sandbox.ok(['rm', '-f', 'uid']);
  await noContainers();
});

describe('launch configs have no fixed size', () => {
  const env = Array.from({ length: 10_000 }, (_, i) => ['-e', `VAR_${i}=value-${i}`]).flat();
  const args = Array.from({ length: 10_000 }, (_, i) => `arg${i}`);
  const SCRIPT = 'echo "env $(env | grep -c ^VAR_) $VAR_9999"; echo "args $# $1 $(eval echo \\${$#})"';

  it('10,000 -e and 10,000 arguments reach the container', async () => {
    const out = await sandbox.ok(['run', '--rm', ...env, 'busybox', 'sh', '-c', SCRIPT, 'sh', ...args]);
    expect(out.trim().split('\n')).toEqual(['env 10000 value-9999', 'args 10000 arg0 arg9999']);
    await noContainers();
  });

  it('and through exec', async () => {
    await sandbox.ok(['run', '-d', '--name', 'many', 'busybox', 'sleep', '300']);
    const out = await sandbox.ok(['exec', ...env, 'many', 'sh', '-c', SCRIPT, 'sh', ...args]);
    expect(out.trim().split('\n')).toEqual(['env 10000 value-9999', 'args 10000 arg0 arg9999']);
    await sandbox.ok(['rm', '-f', 'many']);
  });

  it('a user in 100 groups, listed in /etc/group lines longer than 1 KiB, gets every one (by name or uid)', async () => {
    const others = Array.from({ length: 300 }, (_, i) => `member${i}`).join(',');
    const lines = ['root:x:0:', 'nogroup:x:65534:', ...Array.from({ length: 100 }, (_, i) => `g${i}:x:${2000 + i}:${others},nobody`)];
    const groupFile = join(sandbox.dir, 'group');
    writeFileSync(groupFile, `${lines.join('\n')}\n`);
    const expected = ['65534', ...Array.from({ length: 100 }, (_, i) => String(2000 + i))].sort();
    for (const user of ['nobody', '65534']) {
      const out = await sandbox.ok(['run', '--rm', '-u', user, '-v', `${groupFile}:/etc/group:ro`, 'busybox', 'id', '-G']);
      expect(out.trim().split(/\s+/).sort()).toEqual(expected);
    }
    await noContainers();
  });
});

describe('descriptors the monitor holds (ContainerContext.heldFds)', () => {
  const pluginDir = join(sandbox.dir, 'hold-port-plugin');
  const config = join(sandbox.dir, 'config.json');

  beforeAll(() => {
    // A plugin as the network plugin will be: it binds the published port in `create` and hands the socket over.
    mkdirSync(pluginDir, { recursive: true });
    writeFileSync(join(pluginDir, 'package.json'), JSON.stringify({ name: 'mydocker-test-hold-port', version: '1.0.0', main: 'index.js', mydocker: {} }));
    writeFileSync(
      join(pluginDir, 'index.js'),
      `const net = require('node:net');
let held;
class HoldPort {
  constructor() { this.name = 'hold-port'; }
  apply(bus) {
    bus.hooks.create.tapPromise('hold-port', async (ctx) => {
      const port = Number(process.env.MYDOCKER_TEST_HOLD_PORT);
      if (!port) return;
      const server = net.createServer();
      await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
      server.unref();
      ctx.heldFds.push(server._handle.fd);
      held = server;
    });
    // The monitor has its copy now: the owner closes its own, as core's heldFds contract says.
    bus.hooks.created.tapPromise('hold-port', async () => {
      if (held) await new Promise((resolve) => held.close(resolve));
      held = undefined;
    });
  }
}
module.exports = HoldPort;
module.exports.default = HoldPort;
`,
    );
    writeFileSync(config, JSON.stringify({ plugins: [pluginDir] }));
  });

  function freePort(): Promise<number> {
    return new Promise((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
  }

  /** Whether a host process can bind 127.0.0.1:PORT right now. */
  function canBind(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const s: Server = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  }

  function listeners(port: number): string {
    return host('ss', ['-ltnpH', `sport = :${port}`]).stdout;
  }

  it('the monitor keeps the port bound while the container runs; PID 1 never gets the descriptor; stopping frees it', async () => {
    const port = await freePort();
    const env = { MYDOCKER_CONFIG: config, MYDOCKER_TEST_HOLD_PORT: String(port) };
    await sandbox.ok(['run', '-d', '--name', 'held', 'busybox', 'sleep', '300'], { env });
    const record = await inspect('held');
    // The CLI has exited; only the monitor can be holding the port now.
    expect(await canBind(port)).toBe(false);
    expect(listeners(port)).toContain(`pid=${record.monitorPid},`);
    expect(listeners(port)).not.toContain(`pid=${record.pid},`);
    const fds = await sandbox.ok(['exec', 'held', 'ls', '-l', '/proc/1/fd'], { env: { MYDOCKER_CONFIG: config } });
    const targets = fds.split('\n').filter((l) => l.includes('->'));
    expect(targets.map((l) => l.split(/\s+/).slice(-3)[0])).toEqual(['0', '1', '2']);
    expect(fds).not.toContain('socket:');
    await sandbox.ok(['stop', '-t', '1', 'held'], { env: { MYDOCKER_CONFIG: config } });
    expect(
      await waitFor(
        () => canBind(port),
        (free) => free,
        10_000,
      ),
    ).toBe(true);
    await sandbox.ok(['rm', 'held'], { env: { MYDOCKER_CONFIG: config } });
  });

  it('a foreground run: PID 1 gets no held descriptor and the port is free once run returns', async () => {
    const port = await freePort();
    const env = { MYDOCKER_CONFIG: config, MYDOCKER_TEST_HOLD_PORT: String(port) };
    const out = await sandbox.ok(['run', '--rm', 'busybox', 'sh', '-c', 'ls /proc/1/fd; ls -l /proc/1/fd | grep -c socket: || true'], { env });
    expect(out.trim().split('\n')).toEqual(['0', '1', '2', '0']);
    expect(await canBind(port)).toBe(true);
    await noContainers();
  });
});
