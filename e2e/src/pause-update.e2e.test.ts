import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, waitFor } from './harness';
import type { ParsedJson } from './json';

/**
 * `pause`/`unpause` (the cgroup freezer), `update` (live limits) and `stats --format`, from Docker's CLI
 * reference examples and its error cases, against this host's cgroup v1 hierarchies. The v2 freezer is
 * tested on the real kernel by the cgroups package's unit tests (a cgroup under the host's cgroup2 mount).
 */
const sandbox = new Sandbox('pause');
const MiB = 1024 * 1024;

const cg = (hierarchy: string, id: string, file: string) => readFileSync(`/sys/fs/cgroup/${hierarchy}/${sandbox.cgroupParent}/${id}/${file}`, 'utf8').trim();
const inspect = async (name: string): Promise<ParsedJson> => JSON.parse(await sandbox.ok(['inspect', name]))[0];
const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A container that counts into a host file every 20 ms, so that whether it runs can be seen from outside. */
async function counter(name: string): Promise<{ id: string; read: () => string }> {
  const dir = join(sandbox.dir, `out-${name}`);
  mkdirSync(dir);
  const id = (
    await sandbox.ok([
      'run',
      '-d',
      '--name',
      name,
      '-v',
      `${dir}:/out`,
      'busybox',
      'sh',
      '-c',
      'i=0; while :; do i=$((i+1)); echo $i > /out/c; usleep 20000; done',
    ])
  ).trim();
  const file = join(dir, 'c');
  const read = () => (existsSync(file) ? readFileSync(file, 'utf8').trim() : '');
  // Counting: two different non-empty readings.
  const first = await waitFor(read, (v) => v !== '', 10_000);
  await waitFor(read, (v) => v !== '' && v !== first, 10_000);
  return { id, read };
}

beforeAll(async () => {
  await sandbox.ok(['run', '--rm', 'busybox', 'true']); // builds the default image once
});

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

describe('pause / unpause', () => {
  it('docker pause my_container: frozen by the freezer, shown as paused by ps and inspect; unpause resumes it', async () => {
    const { id, read } = await counter('my_container');
    const pause = await sandbox.run(['pause', 'my_container']);
    expect(pause).toMatchObject({ code: 0, stdout: 'my_container\n', stderr: '' });
    expect(cg('freezer', id, 'freezer.state')).toBe('FROZEN');
    // Frozen: the count stands still (while running it moves every 20 ms).
    const held = read();
    await sleepMs(300);
    expect(read()).toBe(held);

    const state = (await inspect('my_container')).State;
    expect(state).toMatchObject({ Status: 'paused', Running: true, Paused: true });
    expect(await sandbox.ok(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'my_container'])).toBe('paused true\n');
    expect(await sandbox.ok(['ps', '--format', '{{.Names}}|{{.State}}|{{.Status}}'])).toMatch(/^my_container\|paused\|Up [\w ]+ \(Paused\)\n$/);
    expect(await sandbox.ok(['ps', '--filter', 'status=paused', '--format', '{{.Names}}'])).toBe('my_container\n');
    expect(await sandbox.ok(['ps', '--filter', 'status=running', '--format', '{{.Names}}'])).toBe('');

    const unpause = await sandbox.run(['unpause', 'my_container']);
    expect(unpause).toMatchObject({ code: 0, stdout: 'my_container\n', stderr: '' });
    expect(cg('freezer', id, 'freezer.state')).toBe('THAWED');
    expect(await waitFor(read, (v) => v !== '' && v !== held, 10_000)).not.toBe(held);
    expect((await inspect('my_container')).State).toMatchObject({ Status: 'running', Running: true, Paused: false });
    expect(await sandbox.ok(['ps', '--filter', 'status=running', '--format', '{{.Names}} {{.Status}}'])).toMatch(/^my_container Up [^(]+$/);
    await sandbox.ok(['rm', '-f', 'my_container']);
  });

  it('refuses as Docker does: exit 1, one line each, the other names still done', async () => {
    await sandbox.ok(['run', '-d', '--name', 'p1', 'busybox', 'sleep', '300']);
    await sandbox.ok(['run', '--name', 'ended', 'busybox', 'true']);
    expect(await sandbox.run(['pause', 'ended'])).toMatchObject({ code: 1, stdout: '', stderr: 'Error: Container ended is not running\n' });
    expect(await sandbox.run(['unpause', 'p1'])).toMatchObject({ code: 1, stdout: '', stderr: 'Error: Container p1 is not paused\n' });
    expect(await sandbox.run(['unpause', 'ended'])).toMatchObject({ code: 1, stderr: 'Error: Container ended is not paused\n' });
    expect(await sandbox.run(['pause', 'p1', 'nosuch'])).toMatchObject({ code: 1, stdout: 'p1\n', stderr: 'Error: No such container: nosuch\n' });
    expect(await sandbox.run(['pause', 'p1'])).toMatchObject({ code: 1, stdout: '', stderr: 'Error: Container p1 is already paused\n' });
    expect((await inspect('p1')).State.Paused).toBe(true);
    expect(await sandbox.run(['container', 'unpause', 'p1'])).toMatchObject({ code: 0, stdout: 'p1\n' });
    // Bad usage is a refusal (125) before anything is done.
    const none = await sandbox.run(['pause']);
    expect(none.code).toBe(125);
    expect(none.stderr).toMatch(/^Error: "pause" requires at least 1 argument/);
    expect((await sandbox.run(['unpause', '--all', 'p1'])).code).toBe(125);
    expect((await inspect('p1')).State.Paused).toBe(false);
    await sandbox.ok(['rm', '-f', 'p1', 'ended']);
  });

  it('refuses exec into a paused container with Docker message, and allows it again after unpause', async () => {
    await sandbox.ok(['run', '-d', '--name', 'ex', 'busybox', 'sleep', '300']);
    await sandbox.ok(['pause', 'ex']);
    const refused = await sandbox.run(['exec', 'ex', 'echo', 'hi']);
    expect(refused).toMatchObject({ code: 1, stdout: '', stderr: 'Error: Container ex is paused, unpause the container before exec\n' });
    // Nothing was started inside: the only process of the container is still its PID 1.
    const id = (await inspect('ex')).Id;
    expect(cg('pids', id, 'cgroup.procs').split('\n')).toHaveLength(1);
    await sandbox.ok(['unpause', 'ex']);
    expect(await sandbox.ok(['exec', 'ex', 'echo', 'hi'])).toBe('hi\n');
    await sandbox.ok(['rm', '-f', 'ex']);
  });

  it('stop, kill and rm -f of a paused container work: it is thawed to receive the signal, as in Docker', async () => {
    for (const n of ['st', 'kl', 'rf']) await sandbox.ok(['run', '-d', '--name', n, 'busybox', 'top']);
    expect(await sandbox.ok(['pause', 'st', 'kl', 'rf'])).toBe('st\nkl\nrf\n');
    // top ends on SIGTERM (143): the stop signal itself was acted on, not the SIGKILL after the timeout.
    expect(await sandbox.ok(['stop', '-t', '30', 'st'])).toBe('st\n');
    expect((await inspect('st')).State).toMatchObject({ Status: 'exited', ExitCode: 143, Paused: false });
    expect(await sandbox.ok(['kill', 'kl'])).toBe('kl\n');
    const killed = await waitFor(
      () => inspect('kl'),
      (r) => r.State.Status === 'exited',
      15_000,
    );
    expect(killed.State).toMatchObject({ ExitCode: 137, Paused: false });
    const rfId = (await inspect('rf')).Id;
    expect(await sandbox.ok(['rm', '-f', 'rf'])).toBe('rf\n');
    expect((await sandbox.run(['inspect', 'rf'])).code).not.toBe(0);
    expect(existsSync(`/sys/fs/cgroup/freezer/${sandbox.cgroupParent}/${rfId}`)).toBe(false);
    await sandbox.ok(['rm', 'st', 'kl']);
  });

  it("Podman's --all pauses every running container and unpauses every paused one", async () => {
    const a = (await sandbox.ok(['run', '-d', '--name', 'all-a', 'busybox', 'sleep', '300'])).trim();
    const b = (await sandbox.ok(['run', '-d', '--name', 'all-b', 'busybox', 'sleep', '300'])).trim();
    await sandbox.ok(['pause', 'all-a']);
    // all-a is paused already: --all takes only all-b.
    expect(await sandbox.ok(['pause', '--all'])).toBe(`${b}\n`);
    expect(await sandbox.ok(['ps', '--filter', 'status=paused', '--format', '{{.Names}}'])).toBe('all-b\nall-a\n');
    expect((await sandbox.ok(['unpause', '--all'])).split('\n').filter(Boolean).sort()).toEqual([a, b].sort());
    expect(await sandbox.ok(['ps', '--filter', 'status=paused', '-q'])).toBe('');
    await sandbox.ok(['rm', '-f', 'all-a', 'all-b']);
  });
});

describe('update', () => {
  it('docker update --cpu-shares 512 -m 300M on two running containers: the live cgroup and inspect follow', async () => {
    const ids: string[] = [];
    for (const n of ['up1', 'up2']) ids.push((await sandbox.ok(['run', '-d', '--name', n, 'busybox', 'sleep', '300'])).trim());
    expect(await sandbox.ok(['update', '--cpu-shares', '512', 'up1'])).toBe('up1\n');
    expect(cg('cpu', ids[0], 'cpu.shares')).toBe('512');
    expect(await sandbox.ok(['update', '--cpu-shares', '512', '-m', '300M', 'up1', 'up2'])).toBe('up1\nup2\n');
    for (const id of ids) {
      expect(cg('memory', id, 'memory.limit_in_bytes')).toBe(String(300 * MiB));
      // Docker's default swap for a memory limit: as much again.
      expect(cg('memory', id, 'memory.memsw.limit_in_bytes')).toBe(String(600 * MiB));
    }
    const hc = (await inspect('up2')).HostConfig;
    expect(hc).toMatchObject({ CpuShares: 512, Memory: 300 * MiB });

    expect(await sandbox.ok(['update', '--cpus', '0.5', '--cpuset-cpus', '0', '--pids-limit', '10', 'up1'])).toBe('up1\n');
    expect(cg('cpu', ids[0], 'cpu.cfs_quota_us')).toBe('50000');
    expect(cg('cpuset', ids[0], 'cpuset.cpus')).toBe('0');
    expect(cg('pids', ids[0], 'pids.max')).toBe('10');
    const pid = (await inspect('up1')).State.Pid;
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Cpus_allowed_list:\s+0$/m);
    expect((await inspect('up1')).HostConfig).toMatchObject({ NanoCpus: 500_000_000, CpusetCpus: '0', PidsLimit: 10, CpuShares: 512, Memory: 300 * MiB });
    expect(await sandbox.ok(['container', 'update', '--pids-limit', '-1', 'up1'])).toBe('up1\n');
    expect(cg('pids', ids[0], 'pids.max')).toBe('max');
    await sandbox.ok(['rm', '-f', 'up1', 'up2']);
  });

  it('--cpu-period/--cpu-quota, --memory-reservation at run and update; --kernel-memory and an unsupported --blkio-weight warn', async () => {
    const run = await sandbox.run([
      'run',
      '-d',
      '--net',
      'none',
      '--name',
      'cfs',
      '--cpu-quota',
      '20000',
      '--memory-reservation',
      '16m',
      '--kernel-memory',
      '10m',
      'busybox',
      'sleep',
      '300',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('WARNING: Specifying a kernel memory limit is deprecated and ignored; --kernel-memory has no effect.\n');
    const id = run.stdout.trim();
    expect([cg('cpu', id, 'cpu.cfs_period_us'), cg('cpu', id, 'cpu.cfs_quota_us'), cg('memory', id, 'memory.soft_limit_in_bytes')]).toEqual([
      '100000',
      '20000',
      String(16 * MiB),
    ]);
    expect((await inspect('cfs')).HostConfig).toMatchObject({ CpuQuota: 20000, CpuPeriod: 0, NanoCpus: 0, MemoryReservation: 16 * MiB });
    expect((await inspect('cfs')).HostConfig.KernelMemory).toBeUndefined();

    expect(await sandbox.ok(['update', '--cpu-period', '50000', '--cpu-quota', '25000', '--memory-reservation', '32m', 'cfs'])).toBe('cfs\n');
    expect([cg('cpu', id, 'cpu.cfs_period_us'), cg('cpu', id, 'cpu.cfs_quota_us'), cg('memory', id, 'memory.soft_limit_in_bytes')]).toEqual([
      '50000',
      '25000',
      String(32 * MiB),
    ]);
    expect((await inspect('cfs')).HostConfig).toMatchObject({ CpuQuota: 25000, CpuPeriod: 50000, MemoryReservation: 32 * MiB });
    // Docker: --cpus sets the same quota, so it cannot be updated over --cpu-quota; nothing changes.
    const conflict = await sandbox.run(['update', '--cpus', '1', 'cfs']);
    expect(conflict).toMatchObject({ code: 125, stderr: 'Error: Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set\n' });
    expect(cg('cpu', id, 'cpu.cfs_quota_us')).toBe('25000');

    const weightFile = ['blkio.weight', 'blkio.bfq.weight'].find((f) => existsSync(`/sys/fs/cgroup/blkio/${f}`));
    const weighed = await sandbox.run(['update', '--blkio-weight', '300', '--kernel-memory', '20m', 'cfs']);
    expect(weighed.code).toBe(0);
    if (weightFile) {
      expect(weighed.stderr).toBe('WARNING: Specifying a kernel memory limit is deprecated and ignored; --kernel-memory has no effect.\n');
      expect(cg('blkio', id, weightFile)).toMatch(/^(default )?300$/);
      expect((await inspect('cfs')).HostConfig.BlkioWeight).toBe(300);
    } else {
      // This host's I/O scheduler has no weight: Docker's warning, and the weight is discarded.
      expect(weighed.stderr).toBe(
        'WARNING: Specifying a kernel memory limit is deprecated and ignored; --kernel-memory has no effect.\n' +
          'WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\n',
      );
      expect((await inspect('cfs')).HostConfig.BlkioWeight).toBe(0);
    }
    await sandbox.ok(['rm', '-f', 'cfs']);
  });

  it('refuses invalid values with one sentence and 125, changing nothing', async () => {
    const id = (await sandbox.ok(['run', '-d', '--name', 'bad', '-m', '100m', '--cpu-shares', '256', 'busybox', 'sleep', '300'])).trim();
    const before = () => [
      cg('memory', id, 'memory.limit_in_bytes'),
      cg('memory', id, 'memory.memsw.limit_in_bytes'),
      cg('cpu', id, 'cpu.shares'),
      cg('cpuset', id, 'cpuset.cpus'),
      cg('pids', id, 'pids.max'),
    ];
    const snapshot = before();
    const hostConfig = JSON.stringify((await inspect('bad')).HostConfig);
    const cases: Array<[string[], RegExp]> = [
      [['-m', 'foo'], /^Error: Invalid value "foo" for -m\/--memory/],
      [['-m', '1m'], /minimum memory limit is 6MB/],
      [['--cpuset-cpus', '99'], /CPU 99 is not available on this host/],
      [['--cpus', '-1'], /--cpus/],
      [['--cpu-shares', '1', '-m', '200m'], /--cpu-shares: use a number from 2 to 262144/],
      [['--memory-swap', '50m'], /--memory-swap.*at least the -m\/--memory limit/],
      [['--pids-limit', 'many'], /--pids-limit: expected a whole number/],
      [['--cpu-period', '10'], /--cpu-period: it can not be less than 1ms \(1000\) or larger than 1s \(1000000\)/],
      [['--cpu-quota', '5'], /--cpu-quota: it can not be less than 1ms \(1000\)/],
      [['--blkio-weight', '5'], /--blkio-weight: the range is from 10 to 1000/],
      [['--memory-reservation', '1m'], /minimum memory reservation is 6MB/],
      [['--memory-reservation', '200m'], /Minimum memory limit can not be less than memory reservation limit/],
      [['--kernel-memory', 'lots'], /--kernel-memory/],
      [['--cpus', '0.5', '--cpu-quota', '20000'], /Conflicting options: --cpus and --cpu-quota cannot both be set/],
      [['--restart', 'sometimes'], /unknown policy 'sometimes'/],
      [[], /You must provide one or more flags/],
    ];
    for (const [flags, message] of cases) {
      const r = await sandbox.run(['update', ...flags, 'bad']);
      expect({ flags, code: r.code, stdout: r.stdout }).toEqual({ flags, code: 125, stdout: '' });
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    const missing = await sandbox.run(['update', '-m', '200m', 'nosuch']);
    expect(missing).toMatchObject({ code: 125, stderr: 'Error: No such container: nosuch\n' });
    expect(before()).toEqual(snapshot);
    expect(JSON.stringify((await inspect('bad')).HostConfig)).toBe(hostConfig);
    await sandbox.ok(['rm', '-f', 'bad']);
  });

  // Without swap (this CI host) tmpfs pages cannot leave memory; with swap the kernel would swap them out and accept.
  const noSwap = readFileSync('/proc/swaps', 'utf8').trim().split('\n').length <= 1;
  (noSwap ? it : it.skip)("a memory limit below what the container uses is Docker's (runc's) error, and nothing changes", async () => {
    // 40 MB in /dev/shm (tmpfs, charged to the cgroup, and without swap it cannot be reclaimed).
    const id = (
      await sandbox.ok([
        'run',
        '-d',
        '--name',
        'hog',
        '-m',
        '100m',
        'busybox',
        'sh',
        '-c',
        'dd if=/dev/zero of=/dev/shm/x bs=1M count=40 2>/dev/null; touch /dev/shm/ready; exec sleep 300',
      ])
    ).trim();
    await waitFor(
      () => sandbox.run(['exec', 'hog', 'test', '-e', '/dev/shm/ready']),
      (r) => r.code === 0,
      15_000,
    );
    const r = await sandbox.run(['update', '-m', '10m', 'hog']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^Error: Cannot update container hog: unable to set memory limit to 10485760 \(current usage: \d+, peak usage: \d+\)\n$/);
    expect(cg('memory', id, 'memory.limit_in_bytes')).toBe(String(100 * MiB));
    expect(cg('memory', id, 'memory.memsw.limit_in_bytes')).toBe(String(200 * MiB));
    expect((await inspect('hog')).HostConfig.Memory).toBe(100 * MiB);
    await sandbox.ok(['rm', '-f', 'hog']);
  });

  it("keeps Docker's memory-swap rule, and raises memory with swap in the order the kernel accepts", async () => {
    const id = (await sandbox.ok(['run', '-d', '--name', 'sw', '-m', '100m', '--memory-swap', '200m', 'busybox', 'sleep', '300'])).trim();
    const refused = await sandbox.run(['update', '-m', '300m', 'sw']);
    expect(refused).toMatchObject({
      code: 125,
      stderr: 'Error: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time\n',
    });
    expect(cg('memory', id, 'memory.limit_in_bytes')).toBe(String(100 * MiB));
    expect(await sandbox.ok(['update', '-m', '300m', '--memory-swap', '600m', 'sw'])).toBe('sw\n');
    expect(cg('memory', id, 'memory.limit_in_bytes')).toBe(String(300 * MiB));
    expect(cg('memory', id, 'memory.memsw.limit_in_bytes')).toBe(String(600 * MiB));
    // And back down: memory first, then memory+swap.
    expect(await sandbox.ok(['update', '-m', '50m', '--memory-swap', '60m', 'sw'])).toBe('sw\n');
    expect([cg('memory', id, 'memory.limit_in_bytes'), cg('memory', id, 'memory.memsw.limit_in_bytes')]).toEqual([String(50 * MiB), String(60 * MiB)]);
    expect((await inspect('sw')).HostConfig).toMatchObject({ Memory: 50 * MiB, MemorySwap: 60 * MiB });
    await sandbox.ok(['rm', '-f', 'sw']);
  });

  it('updates a stopped container in its record only (for its next start); a paused one live', async () => {
    await sandbox.ok(['run', '--name', 'done', 'busybox', 'true']);
    expect(await sandbox.ok(['update', '--cpu-shares', '256', '-m', '64m', 'done'])).toBe('done\n');
    const r = await inspect('done');
    expect(r.HostConfig).toMatchObject({ CpuShares: 256, Memory: 64 * MiB });
    expect(existsSync(`/sys/fs/cgroup/memory/${sandbox.cgroupParent}/${r.Id}`)).toBe(false);

    const id = (await sandbox.ok(['run', '-d', '--name', 'pz', 'busybox', 'sleep', '300'])).trim();
    await sandbox.ok(['pause', 'pz']);
    expect(await sandbox.ok(['update', '--pids-limit', '5', 'pz'])).toBe('pz\n');
    expect(cg('pids', id, 'pids.max')).toBe('5');
    expect((await inspect('pz')).State.Paused).toBe(true);
    await sandbox.ok(['rm', '-f', 'done', 'pz']);
  });
});

describe('stats --format', () => {
  it("Docker's placeholders, table, json and --no-trunc", async () => {
    // No network: NetIO is then 0B / 0B for certain (a veth on the default network carries the host's chatter).
    const id = (await sandbox.ok(['run', '-d', '--net', 'none', '--name', 'web', '-m', '50m', 'busybox', 'sleep', '300'])).trim();
    const table = await sandbox.ok(['stats', '--no-stream', '--format', 'table {{.Container}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.PIDs}}', 'web']);
    const [header, row, ...rest] = table.trim().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['CONTAINER', 'CPU %', 'MEM USAGE / LIMIT', 'PIDS']);
    expect(row).toMatch(/^web\s+\d+\.\d\d%\s+[\d.]+[KMG]?i?B \/ 50MiB\s+1$/);
    expect(rest).toEqual([]);

    expect(await sandbox.ok(['stats', '--no-stream', '--format', '{{.Name}}: {{.PIDs}} {{.NetIO}}', 'web'])).toBe('web: 1 0B / 0B\n');
    const json = JSON.parse(await sandbox.ok(['stats', '--no-stream', '--format', 'json', 'web']));
    expect(Object.keys(json)).toEqual(['BlockIO', 'CPUPerc', 'Container', 'ID', 'MemPerc', 'MemUsage', 'Name', 'NetIO', 'PIDs']);
    expect(json).toMatchObject({ Container: 'web', ID: id.slice(0, 12), Name: 'web', PIDs: '1', NetIO: '0B / 0B' });
    expect(json.MemUsage).toMatch(/ \/ 50MiB$/);
    expect(await sandbox.ok(['stats', '--no-stream', '--no-trunc', '--format', '{{.ID}}', 'web'])).toBe(`${id}\n`);
    // Without names: every running container, .Container is its short id.
    expect(await sandbox.ok(['stats', '--no-stream', '--format', '{{.Container}} {{.Name}}'])).toBe(`${id.slice(0, 12)} web\n`);

    const plain = await sandbox.ok(['stats', '--no-stream', 'web']);
    expect(plain.split('\n')[0].split(/\s{2,}/)).toEqual(['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS']);
    const bad = await sandbox.run(['stats', '--no-stream', '--format', '{{.Name', 'web']);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toBe('');
    await sandbox.ok(['rm', '-f', 'web']);
  });
});
