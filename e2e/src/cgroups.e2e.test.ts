import { existsSync, readFileSync } from 'node:fs';
import { safeReaddir, Sandbox, waitFor } from './harness';
import type { ParsedJson } from './json';

/** Resource limits, driven through the real CLI against this host's cgroup v1 hierarchies. */
const sandbox = new Sandbox('cgroups');
const HIERARCHIES = ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'devices', 'freezer', 'blkio'];
// Holds ~200 MB in one process (a shell variable), then says so.
const HOG = 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo done ${#x}';

function cgroupDir(hierarchy: string, id: string): string {
  return `/sys/fs/cgroup/${hierarchy}/${sandbox.cgroupParent}/${id}`;
}

function cgroupDirsOf(id: string): string[] {
  return HIERARCHIES.map((h) => cgroupDir(h, id)).filter((p) => existsSync(p));
}

/** Every container cgroup directory under this sandbox's parent, in every hierarchy. */
function cgroupsUnderParent(): string[] {
  return HIERARCHIES.flatMap((h) => safeReaddir(`/sys/fs/cgroup/${h}/${sandbox.cgroupParent}`).map((d) => `${h}/${d}`)).sort();
}

async function inspect(name: string): Promise<ParsedJson> {
  const [record] = JSON.parse(await sandbox.ok(['container-record', name]));
  return record;
}

const oomKilledOf = (r: ParsedJson): unknown => r.oomKilled ?? r.State?.OOMKilled;

describe('cgroups', () => {
  it('OOM-kills a process over -m 50m (137, OOMKilled) and lets the same program run without -m', async () => {
    const limited = await sandbox.run(['run', '--name', 'oom', '-m', '50m', 'busybox', 'sh', '-c', HOG]);
    expect(limited.stdout).not.toContain('done');
    expect(limited.code).toBe(137);
    const record = await inspect('oom');
    expect(oomKilledOf(record)).toBe(true);
    expect(record.ext.cgroups.limits.memory).toBe(50 * 1024 * 1024);
    expect(cgroupDirsOf(record.id ?? record.Id)).toEqual([]);

    const free = await sandbox.run(['run', '--name', 'nolimit', 'busybox', 'sh', '-c', HOG]);
    expect(free.stdout.trim()).toBe('done 200000000');
    expect(free.code).toBe(0);
    expect(oomKilledOf(await inspect('nolimit'))).not.toBe(true);
  });

  it('pins the process to --cpuset-cpus 0', async () => {
    const out = await sandbox.ok(['run', '--name', 'pinned', '--cpuset-cpus', '0', 'busybox', 'cat', '/proc/self/status']);
    expect(out).toMatch(/^Cpus_allowed_list:\s+0$/m);
  });

  it('stops a fork bomb at --pids-limit 20, and rm -f leaves no cgroup', async () => {
    // busybox sh gives up at its first refused fork: the bomb runs in a child shell so that PID 1 lives on.
    const bomb = 'sh -c "while :; do sleep 300 & done" 2>/dev/null; exec sleep 300';
    const id = (await sandbox.ok(['run', '-d', '--name', 'bomb', '--pids-limit', '20', 'busybox', 'sh', '-c', bomb])).trim();
    const pids = cgroupDir('pids', id);
    expect(readFileSync(`${pids}/pids.max`, 'utf8').trim()).toBe('20');
    const refusedForks = () => Number(/max (\d+)/.exec(readFileSync(`${pids}/pids.events`, 'utf8'))?.[1] ?? 0);
    expect(await waitFor(refusedForks, (n) => n > 0, 10_000)).toBeGreaterThan(0);
    // Refused at 20 = the two shells + 18 sleeps; once the bomb shell has given up (and been reaped),
    // PID 1 and the 18 sleeps remain.
    const settled = () => ({
      procs: readFileSync(`${pids}/cgroup.procs`, 'utf8').trim().split('\n').filter(Boolean).length,
      current: Number(readFileSync(`${pids}/pids.current`, 'utf8')),
    });
    expect(await waitFor(settled, (s) => s.procs === 19 && s.current === 19, 5000)).toEqual({ procs: 19, current: 19 });
    expect((await inspect('bomb')).status).toBe('running');
    await sandbox.ok(['rm', '-f', 'bomb']);
    expect(cgroupDirsOf(id)).toEqual([]);
  });

  it('writes -cpushare 512 to cpu.shares, shows the limits in inspect, and stop removes every cgroup folder', async () => {
    const id = (await sandbox.ok(['run', '-d', '--name', 'shares', '-cpushare', '512', 'busybox', 'sleep', '300'])).trim();
    expect(readFileSync(`${cgroupDir('cpu', id)}/cpu.shares`, 'utf8').trim()).toBe('512');
    expect(cgroupDirsOf(id).sort()).toEqual(HIERARCHIES.map((h) => cgroupDir(h, id)).sort());
    const record = await inspect('shares');
    expect(record.ext.cgroups).toMatchObject({ version: 1, limits: { cpuShares: 512 } });
    await sandbox.ok(['stop', '-t', '1', 'shares']);
    expect(cgroupDirsOf(id)).toEqual([]);
  });

  it('removes the cgroups when a detached container ends on its own', async () => {
    const id = (await sandbox.ok(['run', '-d', '--name', 'short', '-m', '20m', 'busybox', 'sleep', '1'])).trim();
    expect(cgroupDirsOf(id).length).toBe(HIERARCHIES.length);
    expect(
      await waitFor(
        () => cgroupDirsOf(id),
        (d) => d.length === 0,
        15_000,
      ),
    ).toEqual([]);
  });

  it("puts exec'd processes into the container's cgroups", async () => {
    const id = (await sandbox.ok(['run', '-d', '--name', 'target', '-m', '30m', 'busybox', 'sleep', '300'])).trim();
    const exec = sandbox.run(['exec', 'target', 'sleep', '3']);
    // The container has its own cgroup namespace, so the host's view is what tells where it went.
    const execdIn = (h: string) => () =>
      readFileSync(`${cgroupDir(h, id)}/cgroup.procs`, 'utf8')
        .split('\n')
        .filter(Boolean)
        .some((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() === 'sleep 3');
    for (const h of HIERARCHIES) expect(await waitFor(execdIn(h), (found) => found, 5000)).toBe(true);
    expect((await exec).code).toBe(0);
    await sandbox.ok(['rm', '-f', 'target']);
    expect(cgroupDirsOf(id)).toEqual([]);
  });

  it('shows CPU, memory against the limit and PIDs in stats --no-stream', async () => {
    // No network, so that NET I/O is 0B / 0B for certain (a veth on the default network sees the host's chatter).
    const id = (await sandbox.ok(['run', '-d', '--net', 'none', '--name', 'watched', '-m', '50m', 'busybox', 'sleep', '300'])).trim();
    const out = await sandbox.ok(['stats', '--no-stream', 'watched']);
    const [header, row, ...rest] = out.trim().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS']);
    expect(rest).toEqual([]);
    expect(row).toMatch(
      new RegExp(
        `^${id.slice(0, 12)}\\s+watched\\s+\\d+\\.\\d\\d%\\s+[\\d.]+[KMG]?i?B / 50MiB\\s+\\d+\\.\\d\\d%\\s+0B / 0B\\s+[\\d.]+[kMG]?B / [\\d.]+[kMG]?B\\s+1$`,
      ),
    );
    await sandbox.ok(['rm', '-f', 'watched']);
    expect(cgroupDirsOf(id)).toEqual([]);
  });

  it.each([
    [['-m', '10x'], /-m\/--memory/],
    [['--cpuset-cpus', '99'], /--cpuset-cpus/],
    [['--cpus', '-1'], /--cpus/],
    [['--memory-swap', '100m'], /--memory-swap needs a memory limit/],
  ])('refuses %j with one sentence and exit 125, creating nothing', async (flags, pattern) => {
    const before = (await sandbox.ok(['ps', '-a', '-q'])).trim();
    const cgroupsBefore = cgroupsUnderParent();
    const r = await sandbox.run(['run', ...flags, 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect((await sandbox.ok(['ps', '-a', '-q'])).trim()).toBe(before);
    expect(cgroupsUnderParent()).toEqual(cgroupsBefore);
  });

  it('reports the cgroup version in info', async () => {
    const report = JSON.parse(await sandbox.ok(['info', '--format', 'json']));
    expect(report.CgroupVersion).toBe('1');
    expect(report.Cgroups.Controllers).toEqual(expect.arrayContaining(HIERARCHIES));
  });

  it('leaves nothing behind', async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });
});
