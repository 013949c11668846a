import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { host, safeReaddir, Sandbox, waitFor } from './harness';

/**
 * The device cgroup (issue 12, "Devices"), driven through the real CLI: what a container may open is
 * decided by the cgroup's rules, whatever nodes it makes or its image brings. Compared with runc, whose
 * default spec denies the same opens with the same rule list.
 */
const sandbox = new Sandbox('devices', { defaultNetwork: 'none' });
const DEVICES = '/sys/fs/cgroup/devices';

async function idOf(name: string): Promise<string> {
  const [record] = JSON.parse(await sandbox.ok(['container-record', name]));
  return record.id;
}

/** Writing to /dev/kmsg needs no privilege beyond the device cgroup: a granted write lands in the host's log. */
const hostLog = () => spawnSync('dmesg', { encoding: 'utf8' }).stdout ?? '';
const mark = () => `mydocker-e2e-devices-${randomBytes(4).toString('hex')}`;

/** Runs `script` in a throw-away runc container (runc's default spec) whose root is a static busybox. */
function runcRun(script: string, extraCaps: string[] = []): { code: number; stdout: string; stderr: string } {
  const bundle = mkdtempSync(join(tmpdir(), 'mydocker-devices-runc-'));
  try {
    const rootfs = join(bundle, 'rootfs');
    for (const d of ['bin', 'tmp', 'proc', 'dev', 'sys']) mkdirSync(join(rootfs, d), { recursive: true });
    cpSync('/usr/bin/busybox', join(rootfs, 'bin/busybox'));
    for (const tool of ['sh', 'cat', 'mknod', 'echo', 'head', 'sort']) symlinkSync('busybox', join(rootfs, 'bin', tool));
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    expect(spawnSync('runc', ['spec'], { cwd: bundle }).status).toBe(0);
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    config.process.terminal = false;
    config.process.args = ['sh', '-c', script];
    for (const set of ['bounding', 'effective', 'permitted']) config.process.capabilities[set].push(...extraCaps);
    config.root.readonly = false;
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    const r = spawnSync('runc', ['--root', join(bundle, 'state'), 'run', '--bundle', bundle, `mydocker-e2e-${randomBytes(4).toString('hex')}`], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  } finally {
    rmSync(bundle, { recursive: true, force: true });
  }
}

describe('the device cgroup', () => {
  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
    expect(existsSync(`${DEVICES}/${sandbox.cgroupParent}`)).toBe(false);
  });

  it('a root process in a default container can mknod /dev/kmsg (1:11) but not open it, as under runc; the host log stays clean', async () => {
    const text = mark();
    const script = `mknod /tmp/kmsg c 1 11 && echo mknod-ok; echo ${text} > /tmp/kmsg && echo write-ok; echo x > /dev/null && echo null-ok`;
    const r = await sandbox.run(['run', '--rm', 'busybox', 'sh', '-c', script]);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['mknod-ok', 'null-ok']);
    expect(r.stderr).toContain("can't create /tmp/kmsg: Operation not permitted");
    expect(hostLog()).not.toContain(text);

    // runc's default spec plus CAP_MKNOD (mydocker grants it by default, as Docker does): the same outcome.
    const runc = runcRun(script.replace(text, mark()), ['CAP_MKNOD']);
    expect(runc.stdout.split('\n').filter(Boolean)).toEqual(['mknod-ok', 'null-ok']);
    expect(runc.stderr).toContain("can't create /tmp/kmsg: Operation not permitted");
  });

  it("writes runc's own default rule list (deny all, then the standard nodes) into the container's devices cgroup", async () => {
    await sandbox.ok(['run', '-d', '--name', 'rules', 'busybox', 'sleep', '60']);
    const id = await idOf('rules');
    const ours = readFileSync(`${DEVICES}/${sandbox.cgroupParent}/${id}/devices.list`, 'utf8').trim().split('\n').sort();
    const runc = runcRun('cat /sys/fs/cgroup/devices/devices.list | sort');
    expect(runc.code).toBe(0);
    expect(ours).toEqual(runc.stdout.trim().split('\n').sort());
    expect(ours).not.toContain('a *:* rwm');
    expect(ours).toContain('c 136:* rwm');

    // An exec'd process joins the same cgroup, so the rules hold for it too (outside it, the open would work).
    const exec = await sandbox.run(['exec', 'rules', 'sh', '-c', 'mknod /k c 10 237 && head -c0 < /k && echo opened']);
    expect(exec.stdout).not.toContain('opened');
    expect(exec.stderr).toContain("can't open /k: Operation not permitted");
    await sandbox.ok(['rm', '-f', 'rules']);
    expect(existsSync(`${DEVICES}/${sandbox.cgroupParent}/${id}`)).toBe(false);
  });

  it('a device node shipped in an image is kept as data but cannot be opened by --cap-drop ALL -u nobody', async () => {
    await sandbox.ok(['run', '--name', 'maker', 'busybox', 'sh', '-c', 'mknod /lc c 10 237 && chmod 666 /lc']);
    await sandbox.ok(['commit', 'maker', `devnode${sandbox.tag.toLowerCase()}:1`]);
    await sandbox.ok(['rm', 'maker']);
    const r = await sandbox.run([
      'run',
      '--rm',
      '--cap-drop',
      'ALL',
      '-u',
      'nobody',
      `devnode${sandbox.tag.toLowerCase()}:1`,
      'sh',
      '-c',
      'ls -l /lc; head -c0 < /lc && echo opened',
    ]);
    expect(r.stdout).toMatch(/^crw-rw-rw- .* 10, +237 .* \/lc$/m);
    expect(r.stdout).not.toContain('opened');
    expect(r.stderr).toContain("can't open /lc: Operation not permitted");
    await sandbox.ok(['rmi', `devnode${sandbox.tag.toLowerCase()}:1`]);
  });

  it('--device grants exactly that node with the access given (r of /dev/loop-control, mapped to /dev/lc)', async () => {
    await sandbox.ok(['run', '-d', '--name', 'dev', '--device', '/dev/loop-control:/dev/lc:r', 'busybox', 'sleep', '60']);
    const id = await idOf('dev');
    expect(readFileSync(`${DEVICES}/${sandbox.cgroupParent}/${id}/devices.list`, 'utf8')).toContain('c 10:237 r\n');
    const probe =
      'head -c0 < /dev/lc && echo read-ok; (echo x > /dev/lc) 2>&1 | grep -o "Operation not permitted"; mknod /k c 1 11; (echo x > /k) 2>&1 | grep -o "Operation not permitted"';
    const r = await sandbox.run(['exec', 'dev', 'sh', '-c', probe]);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['read-ok', 'Operation not permitted', 'Operation not permitted']);
    await sandbox.ok(['rm', '-f', 'dev']);
  });

  it('--privileged allows every device', async () => {
    await sandbox.ok(['run', '-d', '--name', 'priv', '--privileged', 'busybox', 'sleep', '60']);
    const id = await idOf('priv');
    expect(readFileSync(`${DEVICES}/${sandbox.cgroupParent}/${id}/devices.list`, 'utf8').trim()).toBe('a *:* rwm');
    const r = await sandbox.run(['exec', 'priv', 'sh', '-c', 'mknod /k c 10 237 && head -c0 < /k && echo opened']);
    expect(r.stdout.trim()).toBe('opened');
    await sandbox.ok(['rm', '-f', 'priv']);
  });

  it('rm -f of a running container whose record is damaged removes its cgroups (devices included) from the id alone', async () => {
    await sandbox.ok(['run', '-d', '--name', 'broken', 'busybox', 'sleep', '600']);
    const id = await idOf('broken');
    const dirs = safeReaddir('/sys/fs/cgroup')
      .map((h) => `/sys/fs/cgroup/${h}/${sandbox.cgroupParent}/${id}`)
      .filter((d) => existsSync(d));
    expect(dirs).toContain(`${DEVICES}/${sandbox.cgroupParent}/${id}`);
    const pid = Number(readFileSync(`${DEVICES}/${sandbox.cgroupParent}/${id}/cgroup.procs`, 'utf8').trim().split('\n')[0]);
    writeFileSync(join(sandbox.root, 'containers', id, 'config.json'), '{"id": "trunc');
    const rm = await sandbox.run(['rm', '-f', id]);
    expect(rm.code).toBe(0);
    expect(dirs.filter((d) => existsSync(d))).toEqual([]);
    expect(
      await waitFor(
        () => host('kill', ['-0', String(pid)]).code,
        (c) => c !== 0,
        5000,
      ),
    ).not.toBe(0);
  });
});
