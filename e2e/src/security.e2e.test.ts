import { spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './harness';

/**
 * An escape battery run inside a default container: each attempt must fail. The probe is a small static
 * C program (busybox has no ptrace, keyctl or raw syscalls), mounted read-only into the container.
 */
const sandbox = new Sandbox('security');
const probeDir = join(sandbox.dir, 'probe');

const PROBE = String.raw`
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

static int escaped = 0;
static void check(const char *name, int failed) {
  printf("%s: %s\n", name, failed ? "blocked" : "ESCAPED");
  if (!failed) escaped = 1;
}
static long readable(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;
  char buf[256];
  long n = read(fd, buf, sizeof buf);
  close(fd);
  return n > 0 ? n : 0;
}
int main(int argc, char **argv) {
  pid_t host = argc > 1 ? atoi(argv[1]) : 0;
  check("mount tmpfs", mount("none", "/tmp", "tmpfs", 0, NULL) < 0);
  check("remount /proc/sys rw", mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND, NULL) < 0);
  check("write /proc/sys", open("/proc/sys/kernel/hostname", O_WRONLY) < 0);
  check("write /proc/sysrq-trigger", open("/proc/sysrq-trigger", O_WRONLY) < 0);
  check("read /proc/kcore", readable("/proc/kcore") == 0);
  check("read /proc/keys", readable("/proc/keys") == 0);
  check("read /proc/timer_list", readable("/proc/timer_list") == 0);
  check("init_module", syscall(SYS_init_module, NULL, 0, "") < 0 && errno == EPERM);
  check("finit_module", syscall(SYS_finit_module, -1, "", 0) < 0 && errno == EPERM);
  check("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0) < 0 && errno == EPERM);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/cmdline", (int)host);
  check("see a host PID", host <= 0 || (kill(host, 0) < 0 && readable(path) == 0));
  check("write /sys", open("/sys/kernel/probe-file", O_WRONLY | O_CREAT, 0600) < 0 && open("/sys/kernel/uevent_helper", O_WRONLY) < 0);
  check("sethostname", sethostname("escaped", 7) < 0);
  /* ptrace itself is allowed, as in Docker on kernels >= 4.8 (isolation-runtime tests it); a host process stays out of reach. */
  check("ptrace a host PID", host <= 0 || ptrace(PTRACE_ATTACH, host, NULL, NULL) < 0);
  check("write /proc/1/exe", open("/proc/1/exe", O_WRONLY) < 0);
  check("unshare user namespace", unshare(CLONE_NEWUSER) < 0);
  check("unshare mount namespace", unshare(CLONE_NEWNS) < 0);
  check("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0) < 0 && errno == EPERM);
  check("add_key", syscall(SYS_add_key, "user", "x", "y", 1, -3) < 0 && errno == EPERM);
  check("bpf", syscall(SYS_bpf, 0, NULL, 0) < 0 && errno == EPERM);
  check("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, NULL, 0) < 0 && errno == EPERM);
  check("reboot", syscall(SYS_reboot, 0xfee1dead, 672274793, 0x1234567, NULL) < 0);
  check("swapon", syscall(SYS_swapon, "/dev/null", 0) < 0 && errno == EPERM);
  check("mknod a block device and read it", readable("/dev/vda") == 0);
  /* Every fd beyond stdio that is not our own directory handle would come from the engine. */
  DIR *d = opendir("/proc/self/fd");
  int leaked = 0;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    int fd = atoi(e->d_name);
    if (e->d_name[0] != '.' && fd > 2 && fd != dirfd(d)) {
      char target[256] = "";
      snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
      readlink(path, target, sizeof target - 1);
      printf("leaked fd %d -> %s\n", fd, target);
      leaked = 1;
    }
  }
  check("engine fds", !leaked);
  return escaped ? 1 : 0;
}
`;

beforeAll(() => {
  mkdirSync(probeDir, { recursive: true });
  writeFileSync(join(probeDir, 'escape.c'), PROBE);
  const cc = spawnSync('gcc', ['-O2', '-static', '-o', join(probeDir, 'escape'), join(probeDir, 'escape.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cannot build the probe: ${cc.stderr}`);
});

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

function escapes(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.includes('ESCAPED') || l.startsWith('leaked'));
}

it('every escape attempt fails in a default container', async () => {
  // An open host fd in the CLI must not reach the container either.
  const hostFd = openSync('/etc/hostname', 'r');
  const hostname = readFileSync('/proc/sys/kernel/hostname', 'utf8');
  const r = await sandbox.run(['run', '--rm', '-v', `${probeDir}:/probe:ro`, 'busybox', '/probe/escape', String(process.pid)]);
  expect(escapes(r.stdout)).toEqual([]);
  expect(r.stdout.split('\n').filter((l) => l.endsWith(': blocked'))).toHaveLength(25);
  expect(r.code).toBe(0);
  expect(readFileSync('/proc/sys/kernel/hostname', 'utf8')).toBe(hostname);
  expect(hostFd).toBeGreaterThan(2);
});

it('the same attempts fail in a process added with exec', async () => {
  await sandbox.ok(['run', '-d', '--name', 'target', '-v', `${probeDir}:/probe:ro`, 'busybox', 'sleep', '300']);
  const r = await sandbox.run(['exec', 'target', '/probe/escape', String(process.pid)]);
  expect(escapes(r.stdout)).toEqual([]);
  expect(r.code).toBe(0);
  // `exec --privileged` (Docker's): every capability for that process, the container's seccomp filter stays on it.
  const status = await sandbox.ok(['exec', '--privileged', 'target', 'cat', '/proc/self/status']);
  const own = readFileSync('/proc/self/status', 'utf8').match(/^CapEff:\s+(\w+)$/m)![1];
  expect(status).toMatch(new RegExp(`^CapEff:\\s+${own}$`, 'm'));
  expect(status).toMatch(/^Seccomp:\s+2$/m);
  expect(await sandbox.ok(['exec', 'target', 'grep', 'CapEff', '/proc/self/status'])).toMatch(/^CapEff:\s+00000000a80425fb$/m);
  await sandbox.ok(['rm', '-f', 'target']);
});

it('what the container can see of our helper runs from a sealed in-memory copy, not a writable file (CVE-2019-5736)', async () => {
  // --init keeps the helper's own code as the container's PID 1: it must be the sealed copy the container's
  // process re-executed itself from before anything of the container ran.
  await sandbox.ok(['run', '-d', '--init', '--name', 'sealed', 'busybox', 'sleep', '300']);
  const record = JSON.parse(await sandbox.ok(['container-record', 'sealed']));
  const pid = (record[0] ?? record).pid;
  expect(readlinkSync(`/proc/${pid}/exe`)).toMatch(/^\/memfd:mydocker-init/);
  expect(() => openSync(`/proc/${pid}/exe`, 'r+')).toThrow(/EPERM|ETXTBSY|EACCES/);
  // The monitor maps the file (its pages shared by every monitor) but is in none of the container's
  // namespaces, so no process in the container can name it (and with it, the file) through /proc.
  const monitor = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1];
  expect(readlinkSync(`/proc/${monitor}/ns/pid`)).not.toBe(readlinkSync(`/proc/${pid}/ns/pid`));
  expect(readlinkSync(`/proc/${monitor}/ns/mnt`)).not.toBe(readlinkSync(`/proc/${pid}/ns/mnt`));
  // A container whose command is /proc/self/exe gets the sealed copy too (and it refuses to run there).
  const self = await sandbox.run(['run', '--rm', 'busybox', '/proc/self/exe']);
  expect(self.stderr).toMatch(/control socket on fd 3/);
  await sandbox.ok(['rm', '-f', 'sealed']);
});

it('capabilities follow --cap-add, --cap-drop and --privileged', async () => {
  const capEff = async (...flags: string[]) => {
    const out = await sandbox.ok(['run', '--rm', ...flags, 'busybox', 'grep', 'CapEff', '/proc/self/status']);
    return BigInt(`0x${out.trim().split(/\s+/)[1]}`);
  };
  expect(await capEff()).toBe(0xa80425fbn); // Docker's default set
  expect(await capEff('--cap-drop', 'ALL')).toBe(0n);
  expect(await capEff('--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN')).toBe(1n << 12n);
  expect((await capEff('--privileged')) & (1n << 21n)).toBe(1n << 21n);
  const bounding = await sandbox.ok(['run', '--rm', '--cap-drop', 'chown', 'busybox', 'grep', 'CapBnd', '/proc/self/status']);
  expect(BigInt(`0x${bounding.trim().split(/\s+/)[1]}`) & 1n).toBe(0n);
});

it('--security-opt no-new-privileges and seccomp=unconfined apply', async () => {
  const status = await sandbox.ok(['run', '--rm', '--security-opt', 'no-new-privileges', 'busybox', 'cat', '/proc/self/status']);
  expect(status).toMatch(/NoNewPrivs:\s+1/);
  expect(status).toMatch(/Seccomp:\s+2/);
  const unconfined = await sandbox.ok(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'busybox', 'cat', '/proc/self/status']);
  expect(unconfined).toMatch(/Seccomp:\s+0/);
  expect(unconfined).toMatch(/NoNewPrivs:\s+0/);
});

it('refuses unknown capabilities and security options with exit 125 and nothing made', async () => {
  const cap = await sandbox.run(['run', '--rm', '--cap-add', 'FLY', 'busybox', 'true']);
  expect(cap.code).toBe(125);
  expect(cap.stderr).toContain('Unknown capability "FLY"');
  const opt = await sandbox.run(['run', '--rm', '--security-opt', 'apparmor=foo', 'busybox', 'true']);
  expect(opt.code).toBe(125);
  expect(opt.stderr).toContain('Unsupported security option');
  expect((await sandbox.run(['ps', '-a', '-q'])).stdout.trim()).toBe('');
});
