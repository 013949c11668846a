import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { host, MYDOCKER_BIN, Sandbox, waitFor } from './harness';

/**
 * Faults an operator's bad day brings (issue 13), the engine side: it never signals a process it cannot
 * prove is the container's, it tells the truth after its monitor is killed, it removes containers whose
 * record is damaged, and `rm -f` works on a full disk.
 */

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]);
  } catch {
    return false;
  }
};
const startTime = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
};
const lines = (text: string) => text.split('\n').filter(Boolean);
/** The reason in `ps`'s one damaged-record warning: "… damaged (ID: REASON); …". */
const damageOf = (warning: string) => /\([0-9a-f]{12}: (.*)\); `rm -f`/.exec(warning)?.[1];

interface Inspected {
  id: string;
  name: string;
  status: string;
  pid?: number;
  monitorPid?: number;
  exitCode?: number;
  unmonitored?: boolean;
}

describe('faults: the engine tells the truth and touches only what is its own', () => {
  const sandbox = new Sandbox('truth', { defaultNetwork: 'none' });

  beforeAll(async () => {
    await sandbox.ok(['run', '--rm', 'busybox', 'true']); // builds the default image once
  });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  const inspect = async (name: string): Promise<Inspected> => JSON.parse(await sandbox.ok(['container-record', name]))[0];
  const recordFile = (id: string) => join(sandbox.root, 'containers', id, 'config.json');
  const rewrite = (id: string, change: (r: Record<string, unknown>) => Record<string, unknown>) =>
    writeFileSync(recordFile(id), JSON.stringify(change(JSON.parse(readFileSync(recordFile(id), 'utf8')))));
  const cgroupsOf = (id: string) =>
    list('/sys/fs/cgroup')
      .filter((h) => existsSync(join('/sys/fs/cgroup', h, sandbox.cgroupParent, id)))
      .map((h) => `${h}/${sandbox.cgroupParent}/${id}`);
  const mountsOf = (id: string) => lines(readFileSync('/proc/self/mountinfo', 'utf8')).filter((l) => l.includes(id));

  describe("a PID is signalled only when it is proven to be the container's", () => {
    const forged: Array<[string, (r: Record<string, unknown>, pid: number) => Record<string, unknown>, RegExp]> = [
      ['no start time', (r, pid) => ({ ...r, pid, pidStartTime: undefined }), /PID \d+ has no start time in the record/],
      [
        "the right start time but the host's pid namespace",
        (r, pid) => ({ ...r, pid, pidStartTime: startTime(pid), pidNamespace: undefined }),
        /PID \d+ is not in the container's pid namespace/,
      ],
      [
        'another start time',
        (r, pid) => ({ ...r, pid, pidStartTime: startTime(pid) - 1 }),
        /PID \d+ started at another time than the record says \(it was reused\)/,
      ],
    ];

    it.each(forged)('a record naming a host process with %s: stop, kill and rm -f leave that process alone', async (_label, forge, warning) => {
      const bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
      const victim = bystander.pid!;
      try {
        const id = (await sandbox.ok(['run', '-d', 'busybox', 'sleep', '600'])).trim();
        rewrite(id, (r) => forge(r, victim));

        const kill = await sandbox.run(['kill', id]);
        expect(kill.code).toBe(125);
        expect(lines(kill.stderr)).toEqual([expect.stringMatching(warning), expect.stringMatching(/^Error: Container \S+ is not running\.$/)]);
        const rm = await sandbox.run(['rm', '-f', id]);
        expect(rm.code).toBe(0);
        expect(lines(rm.stderr)).toEqual([
          expect.stringMatching(
            new RegExp(`^mydocker: warning: container \\S+: ${warning.source}; treating the container as stopped and leaving that process alone\\.$`),
          ),
        ]);
        expect(alive(victim)).toBe(true);
        expect((await sandbox.run(['container-record', id])).code).toBe(125);
        expect(cgroupsOf(id)).toEqual([]);
        expect(mountsOf(id)).toEqual([]);
      } finally {
        bystander.kill('SIGKILL');
      }
    });
  });

  /**
   * runc on the same forgery, for comparison: it checks only the start time, so a state naming a host
   * process with that process's own start time makes `runc kill` kill it; mydocker also checks the pid
   * namespace (test above). Both leave alone a PID whose start time is missing.
   */
  it('runc, for comparison: refuses a state without the start time, but kills a host process whose start time was copied', async () => {
    const bundle = join(sandbox.dir, 'runc-bundle');
    const state = join(sandbox.dir, 'runc-state');
    const cgroup = `${sandbox.cgroupParent}-runc`;
    mkdirSync(join(bundle, 'rootfs', 'bin'), { recursive: true });
    const busybox = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
    copyFileSync(busybox, join(bundle, 'rootfs', 'bin', 'busybox'));
    chmodSync(join(bundle, 'rootfs', 'bin', 'busybox'), 0o755);
    symlinkSync('busybox', join(bundle, 'rootfs', 'bin', 'sleep'));
    expect(spawnSync('runc', ['spec'], { cwd: bundle }).status).toBe(0);
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    spec.process.args = ['sleep', '600'];
    spec.process.terminal = false;
    spec.linux.cgroupsPath = `/${cgroup}`;
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    const runc = (...args: string[]) => spawnSync('runc', ['--root', state, ...args], { encoding: 'utf8', cwd: bundle, stdio: ['ignore', 'pipe', 'pipe'] });
    // Like crun, runc wants this machine's hybrid cgroup layout without the cgroup2 mount (DESIGN.md).
    const started = spawnSync('unshare', ['-m', 'sh', '-c', `umount /sys/fs/cgroup/unified 2>/dev/null; runc --root ${state} run -d cmp`], {
      cwd: bundle,
      stdio: 'ignore',
    });
    expect(started.status).toBe(0);
    const stateFile = join(state, 'cmp', 'state.json');
    const original = JSON.parse(readFileSync(stateFile, 'utf8'));
    const bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
    const victim = bystander.pid!;
    try {
      writeFileSync(stateFile, JSON.stringify({ ...original, init_process_pid: victim, init_process_start: 0 }));
      expect(runc('kill', 'cmp', 'KILL').stderr).toMatch(/container not running/);
      expect(alive(victim)).toBe(true);
      writeFileSync(stateFile, JSON.stringify({ ...original, init_process_pid: victim, init_process_start: startTime(victim) }));
      expect(runc('kill', 'cmp', 'KILL').status).toBe(0);
      expect(
        await waitFor(
          () => alive(victim),
          (a) => !a,
          5000,
        ),
      ).toBe(false); // runc killed a process that was not its own
    } finally {
      bystander.kill('SIGKILL');
      try {
        process.kill(original.init_process_pid, 'SIGKILL');
      } catch {
        // already gone
      }
      if (existsSync(stateFile)) {
        writeFileSync(stateFile, JSON.stringify(original));
        runc('delete', '-f', 'cmp');
      }
      await waitFor(
        () => alive(original.init_process_pid),
        (a) => !a,
        5000,
      );
      for (const h of list('/sys/fs/cgroup')) {
        const dir = join('/sys/fs/cgroup', h, cgroup);
        if (existsSync(dir))
          await waitFor(
            () => spawnSync('rmdir', [dir]).status,
            (code) => code === 0 || !existsSync(dir),
            5000,
          );
      }
    }
    expect(list('/sys/fs/cgroup').filter((h) => existsSync(join('/sys/fs/cgroup', h, cgroup)))).toEqual([]);
  });

  describe('after the monitor is killed', () => {
    it('ps says running (unmonitored) while PID 1 lives; stop stops it, runs the stopped hooks and records "exit code unknown"', async () => {
      await sandbox.ok(['run', '-d', '--name', 'orphan', '-m', '32m', 'busybox', 'sleep', '600']);
      const before = await inspect('orphan');
      process.kill(before.monitorPid!, 'SIGKILL');
      await waitFor(
        () => alive(before.monitorPid!),
        (a) => !a,
        5000,
      );

      expect(await inspect('orphan')).toMatchObject({ status: 'running', unmonitored: true, pid: before.pid });
      expect(await sandbox.ok(['ps'])).toMatch(/orphan\s+\d+\s+running \(unmonitored\)/);

      const stop = await sandbox.run(['stop', '-t', '1', 'orphan']);
      expect(stop).toMatchObject({ code: 0, stdout: 'orphan\n', stderr: '' });
      expect(alive(before.pid!)).toBe(false);
      const after = await inspect('orphan');
      expect(after).toMatchObject({ status: 'stopped', exitCode: -1 });
      expect(after.unmonitored).toBeUndefined();
      expect(await sandbox.ok(['ps'])).toMatch(/orphan\s+stopped \(exit code unknown\)/);
      expect(cgroupsOf(after.id)).toEqual([]); // the stopped hooks ran
      expect(mountsOf(after.id)).toEqual([]);
      await sandbox.ok(['rm', 'orphan']);
    });

    it('a PID 1 that ends after its monitor reads as stopped with "exit code unknown", and plain rm removes it', async () => {
      await sandbox.ok(['run', '-d', '--name', 'orphan2', 'busybox', 'sleep', '600']);
      const before = await inspect('orphan2');
      process.kill(before.monitorPid!, 'SIGKILL');
      await waitFor(
        () => alive(before.monitorPid!),
        (a) => !a,
        5000,
      );
      process.kill(before.pid!, 'SIGKILL');
      await waitFor(
        () => alive(before.pid!),
        (a) => !a,
        5000,
      );
      expect(await inspect('orphan2')).toMatchObject({ status: 'stopped', exitCode: -1 });
      expect(await sandbox.ok(['ps'])).toMatch(/orphan2\s+stopped \(exit code unknown\)/);
      const rm = await sandbox.run(['rm', 'orphan2']);
      expect(rm).toMatchObject({ code: 0, stderr: '' });
      expect(cgroupsOf(before.id)).toEqual([]);
      expect(mountsOf(before.id)).toEqual([]);
    });

    it('a foreground run whose monitor is killed waits for its container, then says the exit code is unknown', async () => {
      const cli = spawn(process.execPath, [MYDOCKER_BIN, 'run', '--name', 'fgorphan', 'busybox', 'sh', '-c', 'echo up; sleep 600'], {
        env: sandbox.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      cli.stdout!.on('data', (d) => (out += d));
      cli.stderr!.on('data', (d) => (err += d));
      const closed = new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code)));
      await waitFor(
        () => out,
        (o) => o.includes('up'),
        20_000,
      );
      const before = await inspect('fgorphan');
      process.kill(before.monitorPid!, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      expect(cli.exitCode).toBeNull(); // still waiting for the container, not dead with the monitor
      await sandbox.ok(['stop', '-t', '1', 'fgorphan']);
      expect(await closed).toBe(125);
      expect(lines(err)).toEqual(['Error: The monitor of container fgorphan was killed, so how the container ended is unknown.']);
      expect(await inspect('fgorphan')).toMatchObject({ status: 'stopped', exitCode: -1 });
      await sandbox.ok(['rm', 'fgorphan']);
    });
  });

  describe('a running container whose record is damaged', () => {
    const damage: Array<[string, (r: Record<string, unknown>) => string]> = [
      ['garbage', () => 'garbage\u0000\u0001'],
      ['truncated JSON', (r) => JSON.stringify(r).slice(0, 120)],
      ['an empty file', () => ''],
      ['an empty object', () => '{}'],
      ['wrong types', (r) => JSON.stringify({ ...r, command: 'sleep', pid: String(r.pid) })],
      ['an unknown status', (r) => JSON.stringify({ ...r, status: 'paused' })],
    ];

    it.each(damage)('%s: ps shows it, rm refuses, rm -f kills and removes everything', async (label, corrupt) => {
      const name = `dmg${damage.findIndex(([l]) => l === label)}`;
      await sandbox.ok(['run', '-d', '--name', name, '-m', '32m', 'busybox', 'sleep', '600']);
      const before = await inspect(name);
      writeFileSync(recordFile(before.id), corrupt(JSON.parse(readFileSync(recordFile(before.id), 'utf8'))));

      const ps = await sandbox.run(['ps']);
      expect(ps.code).toBe(0);
      expect(ps.stdout).toMatch(new RegExp(`${before.id.slice(0, 12)}\\s+${name}\\s+damaged`));
      expect(lines(ps.stderr)).toHaveLength(1);
      expect(ps.stderr).toMatch(/^mydocker: warning: a container record is damaged \(.*\); `rm -f` removes them\.\n$/);

      const rm = await sandbox.run(['rm', name]);
      expect(rm.code).toBe(125);
      expect(lines(rm.stderr)).toEqual([
        `Error: Cannot remove container ${name}: its record is damaged (${damageOf(ps.stderr)}), so nothing proves the container stopped; remove it with \`mydocker rm -f ${before.id.slice(0, 12)}\`.`,
      ]);
      expect(alive(before.pid!)).toBe(true);

      const rmf = await sandbox.run(['rm', '-f', name]);
      expect(rmf.code).toBe(0);
      expect(rmf.stdout).toBe(`${name}\n`);
      expect(lines(rmf.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^mydocker: warning: container ${before.id.slice(0, 12)} had a damaged record \\(.*\\); removed from its id: killed its PID 1 \\(${before.pid}\\)`,
          ),
        ),
      ]);
      await waitFor(
        () => alive(before.pid!) || alive(before.monitorPid!),
        (a) => !a,
        5000,
      );
      expect(alive(before.pid!)).toBe(false);
      expect(alive(before.monitorPid!)).toBe(false);
      expect(mountsOf(before.id)).toEqual([]);
      expect(list(join(sandbox.root, 'containers'))).toEqual([]);
      expect(list(join(sandbox.root, 'names'))).toEqual([]);
      expect((await sandbox.ok(['ps', '-a', '-q'])).trim()).toBe('');
      // The cgroups plugin removes the cgroups named by the id (issue 13, its own branch).
      expect(cgroupsOf(before.id)).toEqual([]);
    });
  });

  describe('a full disk', () => {
    it('rm -f of a running container works when the state root is full; stop says so in one sentence', async () => {
      const mnt = join(sandbox.dir, 'full');
      mkdirSync(mnt);
      expect(host('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt]).code).toBe(0);
      try {
        const env = { MYDOCKER_ROOT: join(mnt, 'root'), MYDOCKER_RUNROOT: join(mnt, 'run') };
        const run = (args: string[]) => sandbox.run(args, { env });
        // --net none: the state record is what this test is about; the default network's address book lives in
        // the same full root, and a release that cannot write it is a warning of its own.
        expect((await run(['run', '-d', '--net', 'none', '--name', 'full1', '-m', '32m', 'busybox', 'sleep', '600'])).code).toBe(0);
        expect((await run(['run', '-d', '--net', 'none', '--name', 'full2', 'busybox', 'sleep', '600'])).code).toBe(0);
        const ids = lines((await run(['ps', '-a', '-q'])).stdout);
        const pids = await Promise.all(['full1', 'full2'].map(async (n) => JSON.parse((await run(['container-record', n])).stdout)[0].pid as number));
        spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=1M'], { stdio: 'ignore' });
        expect(spawnSync('sh', ['-c', `echo x > ${join(mnt, 'probe')}`]).status).not.toBe(0); // really full

        const stop = await run(['stop', '-t', '0', 'full2']);
        expect(stop.code).toBe(125);
        expect(lines(stop.stderr)).toEqual([
          expect.stringMatching(/^Error: No space left on the device of \S+ to save the record of container full2: free space and retry\.$/),
        ]);

        const rm = await run(['rm', '-f', 'full1', 'full2']);
        expect(rm).toMatchObject({ code: 0, stdout: 'full1\nfull2\n', stderr: '' });
        expect((await run(['ps', '-a', '-q'])).stdout).toBe('');
        for (const pid of pids) expect(alive(pid)).toBe(false);
        for (const id of ids) expect(mountsOf(id)).toEqual([]);
        expect(list(join(mnt, 'root', 'containers'))).toEqual([]);
      } finally {
        // Whatever happened above, give the space back so that every container can be removed before the unmount.
        rmSync(join(mnt, 'filler'), { force: true });
        const env = { MYDOCKER_ROOT: join(mnt, 'root'), MYDOCKER_RUNROOT: join(mnt, 'run') };
        const left = lines((await sandbox.run(['ps', '-a', '-q'], { env })).stdout);
        if (left.length > 0) await sandbox.run(['rm', '-f', ...left], { env });
        host('umount', [mnt]);
      }
    });
  });
});
