import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { host, Sandbox, waitFor } from './harness';

/** A 10.233.x.0/24 that no host route touches. */
function freeSubnet(): string {
  const routes = host('ip', ['-4', '-o', 'route', 'show', 'table', 'all']).stdout;
  for (let x = 100 + Math.floor(Math.random() * 100); x < 255; x++) if (!routes.includes(`10.233.${x}.`)) return `10.233.${x}.0/24`;
  throw new Error('no free subnet');
}

/**
 * The container lifecycle verbs as Docker's CLI reference shows them: `create` (run's flags, nothing
 * runs), `start [-a] [-i]` (a created or exited container runs again with its id, name, layer and log),
 * `restart [-t]`, and `stop`/`kill`/`rm` with several names, Podman's --all/--ignore and `rm -t`;
 * `--cidfile`, `--stop-signal`, `--stop-timeout`. Errors with Docker's words and exit codes.
 */
describe('container lifecycle verbs', () => {
  const sandbox = new Sandbox('clife');

  beforeAll(async () => {
    await sandbox.ok(['run', '--rm', 'busybox', 'true']); // builds the default image once
  });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  const record = async (name: string) => JSON.parse(await sandbox.ok(['container-record', name]))[0];
  const state = async (name: string) => (await sandbox.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name])).trim();
  const alive = (pid: number) => host('kill', ['-0', String(pid)]).code === 0;
  const mounted = (id: string) => readFileSync('/proc/self/mountinfo', 'utf8').includes(id);
  /** The container printed "ready" (`times` runs so far: the log keeps every run's output). */
  const ready = async (name: string, times = 1) => {
    const seen = await waitFor(
      () => sandbox.run(['logs', name]),
      (r) => r.stdout.split('ready').length - 1 >= times,
      20_000,
    );
    expect(seen.stdout.split('ready').length - 1).toBe(times);
  };
  const cgroupDir = (id: string) => join('/sys/fs/cgroup/memory', sandbox.cgroupParent, id);

  describe('create', () => {
    it('prints the full id and makes a "Created" container with its layer and name, and no process', async () => {
      const r = await sandbox.run([
        'create',
        '--name',
        'c1',
        '-e',
        'GREETING=hi',
        '-w',
        '/tmp',
        '--hostname',
        'box',
        'busybox',
        'sh',
        '-c',
        'echo $GREETING $(pwd) $(hostname)',
      ]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
      const id = r.stdout.trim();
      expect(await sandbox.ok(['ps', '-a', '--format', '{{.ID}} {{.Names}} {{.Status}}'])).toBe(`${id.slice(0, 12)} c1 Created\n`);
      expect(await sandbox.ok(['ps', '-q'])).toBe(''); // not running
      expect(await sandbox.ok(['inspect', '-f', '{{.State.Status}} {{.State.Running}} {{.State.Pid}} {{.State.StartedAt}}', 'c1'])).toBe(
        'created false 0 0001-01-01T00:00:00Z\n',
      );
      const rec = await record('c1');
      expect(rec).toMatchObject({ id, status: 'created', awaitingStart: true });
      expect(rec.pid).toBeUndefined();
      // The layer exists, unmounted until start; no cgroup, no process.
      expect(existsSync(join(sandbox.root, 'containers', id))).toBe(true);
      expect(mounted(id)).toBe(false);
      expect(existsSync(cgroupDir(id))).toBe(false);
      // The name is taken, as Docker's create takes it.
      const dup = await sandbox.run(['create', '--name', 'c1', 'busybox', 'true']);
      expect(dup.code).toBe(125);
      expect(dup.stderr).toMatch(/^Error: Conflict\. The container name "c1" is already in use/);
      // The settings are those of run's flags.
      expect(await sandbox.ok(['start', '-a', 'c1'])).toBe('hi /tmp box\n');
      await sandbox.ok(['rm', 'c1']);
    });

    it('is not settled to stopped by other commands: ps, stop, wait on another one, rm of another leave it "created"', async () => {
      await sandbox.ok(['create', '--name', 'c2', 'busybox', 'true']);
      await sandbox.ok(['ps', '-a']);
      expect(await sandbox.run(['stop', 'c2'])).toEqual({ code: 0, stdout: 'c2\n', stderr: '' });
      await sandbox.ok(['container-cleanup', 'c2']); // what a monitor runs when a container ends
      await sandbox.ok(['run', '--name', 'other', 'busybox', 'true']);
      await sandbox.ok(['rm', 'other']);
      expect(await state('c2')).toBe('created 0');
      expect((await record('c2')).awaitingStart).toBe(true);
      // A created container is removed without -f, and nothing of it is left.
      const id = (await record('c2')).id;
      expect(await sandbox.run(['rm', 'c2'])).toEqual({ code: 0, stdout: 'c2\n', stderr: '' });
      expect(existsSync(join(sandbox.root, 'containers', id))).toBe(false);
    });

    it('refuses what run refuses, with nothing made: -d (start decides), a bad flag value, an unknown image', async () => {
      const before = await sandbox.ok(['ps', '-a', '-q']);
      for (const args of [
        ['create', '-d', 'busybox', 'true'],
        ['create', '--stop-timeout', 'soon', 'busybox', 'true'],
        ['create', '--stop-signal', 'NOPE', 'busybox', 'true'],
        ['create', '-m', 'lots', 'busybox', 'true'],
        ['create', 'nosuchimage', 'true'],
      ]) {
        const r = await sandbox.run(args);
        expect([args, r.code]).toEqual([args, 125]);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
      }
      expect(await sandbox.ok(['ps', '-a', '-q'])).toBe(before);
    });
  });

  describe('start', () => {
    it('start -a: the output and exit code of the container; a second start keeps id, name, layer and log', async () => {
      const id = (await sandbox.ok(['create', '--name', 's1', 'busybox', 'sh', '-c', 'echo run >> /count; wc -l < /count; exit 3'])).trim();
      expect(await sandbox.run(['start', '-a', 's1'])).toEqual({ code: 3, stdout: '1\n', stderr: '' });
      expect(await state('s1')).toBe('exited 3');
      // Docker: an exited container starts again, in its own layer (the file written before is there).
      expect(await sandbox.run(['start', '-a', 's1'])).toEqual({ code: 3, stdout: '2\n', stderr: '' });
      const rec = await record('s1');
      expect(rec).toMatchObject({ id, name: 's1', status: 'stopped', exitCode: 3 });
      expect(await sandbox.ok(['logs', 's1'])).toBe('1\n2\n');
      // Released after each run: no mount, no cgroup.
      expect(mounted(id)).toBe(false);
      expect(existsSync(cgroupDir(id))).toBe(false);
      await sandbox.ok(['rm', 's1']);
    });

    it('start (detached) prints the name; the container runs in the background and ends on its own', async () => {
      await sandbox.ok(['create', '--name', 's2', 'busybox', 'sh', '-c', 'sleep 1; exit 4']);
      expect(await sandbox.run(['start', 's2'])).toEqual({ code: 0, stdout: 's2\n', stderr: '' });
      expect(await sandbox.ok(['wait', 's2'])).toBe('4\n');
      expect(await state('s2')).toBe('exited 4');
      await sandbox.ok(['rm', 's2']);
    });

    it('start of a running container does nothing and prints its name (Docker)', async () => {
      await sandbox.ok(['run', '-d', '--name', 's3', 'busybox', 'sleep', '600']);
      const before = await record('s3');
      expect(await sandbox.run(['start', 's3'])).toEqual({ code: 0, stdout: 's3\n', stderr: '' });
      const after = await record('s3');
      expect(after.pid).toBe(before.pid);
      expect(after.startedAt).toBe(before.startedAt);
      await sandbox.ok(['rm', '-f', 's3']);
    });

    it('a missing name: "Error: No such container: X" and exit 1, after the others are started', async () => {
      await sandbox.ok(['create', '--name', 's4', 'busybox', 'true']);
      expect(await sandbox.run(['start', 'nosuch'])).toEqual({ code: 1, stdout: '', stderr: 'Error: No such container: nosuch\n' });
      expect(await sandbox.run(['start', 'nosuch', 's4'])).toEqual({ code: 1, stdout: 's4\n', stderr: 'Error: No such container: nosuch\n' });
      expect(await sandbox.ok(['wait', 's4'])).toBe('0\n');
      expect(await sandbox.run(['start', '-a', 'nosuch'])).toEqual({ code: 1, stdout: '', stderr: 'Error: No such container: nosuch\n' });
      // Docker: "you cannot start and attach multiple containers at once".
      const multi = await sandbox.run(['start', '-a', 's4', 's4']);
      expect(multi.code).toBe(1);
      expect(multi.stderr).toMatch(/^Error: You cannot start and attach multiple containers at once\.\n$/);
      await sandbox.ok(['rm', 's4']);
    });

    it('start -a -i passes stdin to the container', async () => {
      await sandbox.ok(['create', '-i', '--name', 's5', 'busybox', 'sh', '-c', 'read line; echo got $line']);
      expect(await sandbox.run(['start', '-a', '-i', 's5'], { input: 'hello\n' })).toEqual({ code: 0, stdout: 'got hello\n', stderr: '' });
      await sandbox.ok(['rm', 's5']);
    });

    it('a start that fails rolls back what it made, and the container stays as it was', async () => {
      // A created container whose command is missing: 127 (as run), still "created", nothing held.
      const id = (await sandbox.ok(['create', '--name', 's6', '-m', '64m', 'busybox', '/nosuch'])).trim();
      const failed = await sandbox.run(['start', 's6']);
      expect(failed.code).toBe(127);
      expect(failed.stderr.trim().split('\n')).toHaveLength(1);
      expect(await state('s6')).toBe('created 0');
      expect(mounted(id)).toBe(false);
      expect(existsSync(cgroupDir(id))).toBe(false);
      expect(sandbox.leftovers().filter((l) => l.startsWith('process'))).toEqual([]);
      await sandbox.ok(['rm', 's6']);
      // An exited container whose own layer lost its shell: the start fails and the record keeps its exit.
      const id2 = (await sandbox.ok(['create', '--name', 's7', 'busybox', 'sh', '-c', 'rm /bin/sh; exit 9'])).trim();
      expect((await sandbox.run(['start', '-a', 's7'])).code).toBe(9);
      const before = await record('s7');
      const again = await sandbox.run(['start', 's7']);
      expect(again.code).toBe(127);
      const after = await record('s7');
      expect(after).toMatchObject({ status: 'stopped', exitCode: 9, startedAt: before.startedAt, pid: before.pid });
      expect(mounted(id2)).toBe(false);
      await sandbox.ok(['rm', 's7']);
    });

    it('two starts of one created container at once: one container process, both succeed', async () => {
      await sandbox.ok(['create', '--name', 's8', 'busybox', 'sleep', '600']);
      const [a, b] = await Promise.all([sandbox.run(['start', 's8']), sandbox.run(['start', 's8'])]);
      expect([a, b]).toEqual([
        { code: 0, stdout: 's8\n', stderr: '' },
        { code: 0, stdout: 's8\n', stderr: '' },
      ]);
      const rec = await record('s8');
      expect(alive(rec.pid)).toBe(true);
      const sleeps = host('pgrep', ['-f', '-x', 'sleep 600'])
        .stdout.split('\n')
        .filter((pid) => pid && host('grep', ['-q', sandbox.cgroupParent, `/proc/${pid}/cgroup`]).code === 0);
      expect(sleeps).toEqual([String(rec.pid)]);
      await sandbox.ok(['rm', '-f', 's8']);
    });

    it('create --rm, then start -a: removed when it ends', async () => {
      await sandbox.ok(['create', '--rm', '--name', 's9', 'busybox', 'sh', '-c', 'exit 2']);
      expect(await sandbox.run(['start', '-a', 's9'])).toEqual({ code: 2, stdout: '', stderr: '' });
      expect((await sandbox.run(['container-record', 's9'])).code).toBe(125);
    });
  });

  describe('restart', () => {
    it('restarts a running container (new process, same id and layer) and starts an exited one', async () => {
      const id = (await sandbox.ok(['run', '-d', '--name', 'r1', 'busybox', 'sh', '-c', 'echo up >> /log; sleep 600'])).trim();
      const before = await record('r1');
      expect(await sandbox.run(['restart', '-t', '0', 'r1'])).toEqual({ code: 0, stdout: 'r1\n', stderr: '' });
      const after = await record('r1');
      expect(after).toMatchObject({ id, status: 'running' });
      expect(after.pid).not.toBe(before.pid);
      expect(alive(before.pid)).toBe(false);
      expect(alive(after.pid)).toBe(true);
      await waitFor(
        () => sandbox.run(['exec', 'r1', 'cat', '/log']),
        (r) => r.stdout === 'up\nup\n',
        5000,
      );
      expect(await sandbox.ok(['exec', 'r1', 'cat', '/log'])).toBe('up\nup\n');
      await sandbox.ok(['stop', '-t', '0', 'r1']);
      expect(await sandbox.run(['restart', 'r1'])).toEqual({ code: 0, stdout: 'r1\n', stderr: '' });
      expect((await state('r1')).split(' ')[0]).toBe('running');
      expect(await sandbox.run(['restart', 'r1', 'nosuch'])).toEqual({ code: 1, stdout: 'r1\n', stderr: 'Error: No such container: nosuch\n' });
      await sandbox.ok(['rm', '-f', 'r1']);
    });

    it('restarts on a bridge network: the address, veth and rules are made again and released again', async () => {
      const net = `lc${sandbox.tag}`;
      await sandbox.ok(['network', 'create', '--subnet', freeSubnet(), net]);
      await sandbox.ok(['create', '--name', 'n1', '--net', net, 'busybox', 'sleep', '600']);
      await sandbox.ok(['start', 'n1']);
      const ip = (await sandbox.ok(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'n1'])).trim();
      expect(ip).toMatch(/^10\.233\.\d+\.\d+$/);
      expect(await sandbox.ok(['exec', 'n1', 'sh', '-c', 'ip -4 -o addr show eth0 | grep -c inet'])).toBe('1\n');
      const veth = (await record('n1')).ext.network.hostVeth;
      await sandbox.ok(['stop', '-t', '0', 'n1']);
      expect(host('ip', ['link', 'show', veth]).code).not.toBe(0);
      await sandbox.ok(['start', 'n1']);
      const ip2 = (await sandbox.ok(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'n1'])).trim();
      expect(ip2).toMatch(/^10\.233\.\d+\.\d+$/);
      expect(await sandbox.ok(['exec', 'n1', 'grep', '-c', ip2, '/etc/hosts'])).toBe('1\n');
      // The hosts file is mounted once, not once per start.
      expect((await record('n1')).mounts.filter((m: { destination: string }) => m.destination === '/etc/hosts')).toHaveLength(1);
      await sandbox.ok(['rm', '-f', 'n1']);
      await sandbox.ok(['network', 'rm', net]);
    });
  });

  describe('stop, kill, rm with several names, --all, --ignore, rm -t', () => {
    it("rm of a running container without -f: Docker's message and exit 1, nothing changed", async () => {
      await sandbox.ok(['run', '-d', '--name', 'busy', 'busybox', 'sleep', '600']);
      const before = await record('busy');
      expect(await sandbox.run(['rm', 'busy'])).toEqual({
        code: 1,
        stdout: '',
        stderr: 'Error: cannot remove container "/busy": container is running: stop the container before removing or force remove\n',
      });
      expect(alive(before.pid)).toBe(true);
      expect(await state('busy')).toBe('running 0');
      await sandbox.ok(['rm', '-f', 'busy']);
    });

    it('--ignore skips missing names; without it each missing one is reported and the rest done', async () => {
      await sandbox.ok(['run', '-d', '--name', 'i1', 'busybox', 'sleep', '600']);
      expect(await sandbox.run(['kill', '-s', 'KILL', '--ignore', 'nosuch', 'i1'])).toEqual({ code: 0, stdout: 'i1\n', stderr: '' });
      expect(await sandbox.run(['stop', '-i', 'nosuch'])).toEqual({ code: 0, stdout: '', stderr: '' });
      const rm = await sandbox.run(['rm', 'nosuch', 'i1']);
      expect(rm.stdout).toBe('i1\n');
      expect(rm.stderr).toBe('Error: No such container: nosuch\n');
      expect(rm.code).toBe(1);
      expect(await sandbox.run(['rm', '--ignore', 'nosuch'])).toEqual({ code: 0, stdout: '', stderr: '' });
    });

    it("rm -f reports a missing name and still exits 0, as Docker's CLI does; the others are removed", async () => {
      await sandbox.ok(['run', '-d', '--name', 'f1', 'busybox', 'sleep', '600']);
      expect(await sandbox.run(['rm', '-f', 'nosuch', 'f1'])).toEqual({ code: 0, stdout: 'f1\n', stderr: 'Error: No such container: nosuch\n' });
      expect(await sandbox.run(['rm', '-fv', 'nosuch'])).toEqual({ code: 0, stdout: '', stderr: 'Error: No such container: nosuch\n' });
      // Any other failure still fails: a bad timeout is refused before anything is removed.
      expect((await sandbox.run(['rm', '-f', '-t', 'x', 'nosuch'])).code).toBe(125);
      expect(await sandbox.ok(['ps', '-a', '-q'])).toBe('');
    });

    it('stop --all stops the running ones, kill --all signals the running ones, rm --all removes every one', async () => {
      await sandbox.ok(['run', '-d', '--name', 'a1', 'busybox', 'sleep', '600']);
      await sandbox.ok(['run', '-d', '--name', 'a2', 'busybox', 'sleep', '600']);
      await sandbox.ok(['create', '--name', 'a3', 'busybox', 'true']);
      const stop = await sandbox.run(['stop', '--all', '-t', '0']);
      expect(stop.code).toBe(0);
      expect(stop.stdout.split('\n').filter(Boolean).sort()).toEqual(['a1', 'a2']);
      expect(await state('a3')).toBe('created 0');
      await sandbox.ok(['start', 'a1']);
      expect(await sandbox.run(['kill', '-a'])).toEqual({ code: 0, stdout: 'a1\n', stderr: '' });
      await sandbox.ok(['start', 'a2']);
      // Without -f the running one is refused (exit 1) and the others go.
      const rm = await sandbox.run(['rm', '--all']);
      expect(rm.code).toBe(1);
      expect(rm.stdout.split('\n').filter(Boolean).sort()).toEqual(['a1', 'a3']);
      expect(rm.stderr).toMatch(/cannot remove container "\/a2": container is running/);
      expect(await sandbox.run(['rm', '-a', '-f'])).toEqual({ code: 0, stdout: 'a2\n', stderr: '' });
      expect(await sandbox.ok(['ps', '-a', '-q'])).toBe('');
      // --all with names, and no names at all: refused.
      for (const args of [['rm', '--all', 'x'], ['stop'], ['kill']]) expect((await sandbox.run(args)).code).toBe(125);
    });

    it("rm -f -t N sends the stop signal first (the container's trap runs); rm -f alone kills", async () => {
      // The trap leaves a mark in a host directory: proof of which signal the container got first.
      const out = join(sandbox.dir, 'marks');
      const trap = 'trap "touch /out/$HOSTNAME.termed; exit 42" TERM; echo ready; while true; do sleep 0.1; done';
      await sandbox.ok(['run', '-d', '--name', 't1', '--hostname', 't1', '-v', `${out}:/out`, 'busybox', 'sh', '-c', trap]);
      await ready('t1');
      expect(await sandbox.run(['rm', '-f', '-t', '30', 't1'])).toEqual({ code: 0, stdout: 't1\n', stderr: '' });
      expect(existsSync(join(out, 't1.termed'))).toBe(true);
      await sandbox.ok(['run', '-d', '--name', 't2', '--hostname', 't2', '-v', `${out}:/out`, 'busybox', 'sh', '-c', trap]);
      await ready('t2');
      expect(await sandbox.run(['rm', '-f', 't2'])).toEqual({ code: 0, stdout: 't2\n', stderr: '' });
      expect(existsSync(join(out, 't2.termed'))).toBe(false);
    });
  });

  describe('--stop-signal, --stop-timeout, --cidfile', () => {
    it('--stop-signal is what stop sends; both show in inspect', async () => {
      await sandbox.ok([
        'run',
        '-d',
        '--name',
        'g1',
        '--stop-signal',
        'USR1',
        '--stop-timeout',
        '30',
        'busybox',
        'sh',
        '-c',
        'trap "exit 42" USR1; echo ready; while true; do sleep 0.1; done',
      ]);
      expect(await sandbox.ok(['inspect', '-f', '{{.Config.StopSignal}} {{.Config.StopTimeout}}', 'g1'])).toBe('SIGUSR1 30\n');
      await ready('g1');
      expect(await sandbox.run(['stop', 'g1'])).toEqual({ code: 0, stdout: 'g1\n', stderr: '' });
      expect(await state('g1')).toBe('exited 42');
      // Not set: Docker leaves both out.
      await sandbox.ok(['create', '--name', 'g2', 'busybox', 'true']);
      const config = JSON.parse(await sandbox.ok(['inspect', '-f', '{{json .Config}}', 'g2']));
      expect(config.StopSignal).toBeUndefined();
      expect(config.StopTimeout).toBeUndefined();
      await sandbox.ok(['rm', 'g1', 'g2']);
    });

    it('--stop-timeout is the grace stop and restart give when no -t is given', async () => {
      // TERM makes it exit 5, but only after 3 s: a 1 s grace kills it first (137), -t 30 lets it finish.
      const slow = 'trap "sleep 3; exit 5" TERM; echo ready; while true; do sleep 0.1; done';
      await sandbox.ok(['run', '-d', '--name', 'g3', '--stop-timeout', '1', 'busybox', 'sh', '-c', slow]);
      await ready('g3');
      await sandbox.ok(['stop', 'g3']);
      expect(await state('g3')).toBe('exited 137');
      await sandbox.ok(['start', 'g3']);
      await ready('g3', 2);
      await sandbox.ok(['stop', '-t', '30', 'g3']);
      expect(await state('g3')).toBe('exited 5');
      await sandbox.ok(['rm', 'g3']);
    });

    it('--cidfile: the id is written once the container exists; an existing file is refused before anything is made', async () => {
      const file = join(sandbox.dir, 'cid');
      const id = (await sandbox.ok(['create', '--cidfile', file, '--name', 'f1', 'busybox', 'true'])).trim();
      expect(readFileSync(file, 'utf8')).toBe(id);
      expect(await sandbox.ok(['inspect', '-f', '{{.HostConfig.ContainerIDFile}}', 'f1'])).toBe(`${file}\n`);
      const before = await sandbox.ok(['ps', '-a', '-q']);
      for (const verb of ['run', 'create']) {
        const r = await sandbox.run([verb, '--cidfile', file, 'busybox', 'true']);
        expect(r).toEqual({
          code: 125,
          stdout: '',
          stderr: `Error: Container ID file found, make sure the other container isn't running or delete ${file}.\n`,
        });
      }
      expect(await sandbox.ok(['ps', '-a', '-q'])).toBe(before);
      expect(readFileSync(file, 'utf8')).toBe(id);
      // run -d writes it too; a failed run leaves no file behind.
      const file2 = join(sandbox.dir, 'cid2');
      const id2 = (await sandbox.ok(['run', '-d', '--cidfile', file2, 'busybox', 'sleep', '600'])).trim();
      expect(readFileSync(file2, 'utf8')).toBe(id2);
      const file3 = join(sandbox.dir, 'cid3');
      expect((await sandbox.run(['run', '--cidfile', file3, 'busybox', '/nosuch'])).code).toBe(127);
      expect(existsSync(file3)).toBe(false);
      // A directory that does not exist: one sentence, nothing made.
      const r = await sandbox.run(['create', '--cidfile', join(sandbox.dir, 'no', 'dir', 'cid'), 'busybox', 'true']);
      expect(r.code).toBe(125);
      expect(r.stderr).toBe(`Error: Failed to create the container ID file ${join(sandbox.dir, 'no', 'dir', 'cid')}: its directory does not exist.\n`);
      expect((await sandbox.ok(['ps', '-a', '-q'])).split('\n').filter(Boolean)).toHaveLength(2);
      await sandbox.ok(['rm', '-f', 'f1', id2]);
      writeFileSync(file, ''); // an empty existing file is refused too (Docker refuses any existing file)
      expect((await sandbox.run(['create', '--cidfile', file, 'busybox', 'true'])).code).toBe(125);
    });
  });
});
