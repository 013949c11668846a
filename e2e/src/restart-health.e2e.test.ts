import { readdirSync, readFileSync } from 'node:fs';
import { Sandbox, waitFor } from './harness';

/**
 * Restart policies and health checks without a daemon (issue 18): the monitor waits Docker's back-off and
 * runs the restart, a container whose monitor was killed is found exited and brought back by `ps` or
 * `system restart-policies`, `stop` holds a policy down until `start`; the monitor runs the health check
 * every interval through the exec path, and `ps`, `inspect`, `events` and `healthcheck run` show it.
 * Every wait is for a condition, never for a time: this machine may be slow.
 */
describe('restart policies and health checks', () => {
  const sandbox = new Sandbox('rshc');

  beforeAll(async () => {
    await sandbox.ok(['run', '--rm', 'busybox', 'true']); // builds the default image once
  });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
    expect(engineProcesses()).toEqual([]);
  });

  interface Rec {
    status: string;
    pid?: number;
    monitorPid?: number;
    restartCount?: number;
    restartDelayMs?: number;
    restarting?: boolean;
  }
  const record = async (name: string): Promise<Rec> => JSON.parse(await sandbox.ok(['container-record', name]))[0];
  const inspect = async (name: string, format: string) => (await sandbox.ok(['inspect', '-f', format, name])).trim();
  /** A live process (a zombie that PID 1 of this VM has not reaped yet counts as gone, as the engine counts it). */
  const alive = (pid: number | undefined) => {
    if (pid === undefined) return false;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
    } catch {
      return false;
    }
  };
  const status = (name: string) => sandbox.ok(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.Status}}']).then((s) => s.trim());

  /**
   * Processes of this sandbox's engine (monitors, clean-up and check commands): they inherit its
   * MYDOCKER_ROOT, which the containers' own processes never see.
   */
  function engineProcesses(): string[] {
    const found: string[] = [];
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`MYDOCKER_ROOT=${sandbox.root}`)) {
          found.push(`${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
        }
      } catch {
        /* gone meanwhile */
      }
    }
    return found;
  }

  describe('restart policies', () => {
    it('on-failure:3: a container that exits 1 is restarted 3 times with a doubling back-off, then stays exited', async () => {
      await sandbox.ok(['run', '-d', '--name', 'fail3', '--restart', 'on-failure:3', 'busybox', 'sh', '-c', 'echo run; exit 1']);
      // The record is read after the state, so that its monitor is the one of the run the state describes.
      const done = await waitFor(
        async () => {
          const state = await inspect('fail3', '{{.RestartCount}} {{.State.Status}} {{.State.Restarting}} {{.State.ExitCode}}');
          return { state, r: await record('fail3') };
        },
        (v) => v.state === '3 exited false 1' && !alive(v.r.monitorPid),
        60_000,
      );
      expect(done.state).toBe('3 exited false 1');
      // Its last monitor has gone: nothing is left that could restart it.
      expect(alive(done.r.monitorPid)).toBe(false);
      // Four runs (the first and three restarts); back-offs of 100, 200 and 400 ms, the next would be 800.
      expect((await sandbox.ok(['logs', 'fail3'])).split('\n').filter((l) => l === 'run')).toHaveLength(4);
      expect(done.r.restartDelayMs).toBe(800);
      expect(await inspect('fail3', '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}')).toBe('on-failure:3');
      // A command that looks (ps) or a restart-policies run does not bring it back: its retries are spent.
      expect(await status('fail3')).toMatch(/^Exited \(1\) /);
      expect(await sandbox.ok(['system', 'restart-policies'])).toBe('');
      expect(await inspect('fail3', '{{.RestartCount}} {{.State.Status}}')).toBe('3 exited');
      await sandbox.ok(['rm', 'fail3']);
    });

    it('update --restart: a running container changed from no to on-failure:2 is restarted when it exits 1; refused with --rm', async () => {
      // It exits 1 once /tmp/go exists; the file stays in its layer, so every restart exits 1 at once.
      const script = 'echo run; while [ ! -e /tmp/go ]; do usleep 50000; done; exit 1';
      await sandbox.ok(['run', '-d', '--net', 'none', '--name', 'later', 'busybox', 'sh', '-c', script]);
      expect(await inspect('later', '{{.HostConfig.RestartPolicy.Name}}')).toBe('no');
      expect(await sandbox.ok(['update', '--restart', 'on-failure:2', 'later'])).toBe('later\n');
      expect(await inspect('later', '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.State.Status}}')).toBe(
        'on-failure:2 running',
      );
      await sandbox.ok(['exec', 'later', 'touch', '/tmp/go']);
      const done = await waitFor(
        async () => {
          const state = await inspect('later', '{{.RestartCount}} {{.State.Status}} {{.State.Restarting}} {{.State.ExitCode}}');
          return { state, r: await record('later') };
        },
        (v) => v.state === '2 exited false 1' && !alive(v.r.monitorPid),
        60_000,
      );
      expect(done.state).toBe('2 exited false 1');
      expect((await sandbox.ok(['logs', 'later'])).split('\n').filter((l) => l === 'run')).toHaveLength(3);
      // A stopped container's policy changes too; --restart with bad values is refused before any change.
      expect(await sandbox.ok(['update', '--restart', 'no', 'later'])).toBe('later\n');
      expect(await inspect('later', '{{.HostConfig.RestartPolicy.Name}}')).toBe('no');
      const bad = await sandbox.run(['update', '--restart', 'always:3', 'later']);
      expect(bad).toMatchObject({ code: 125, stdout: '' });
      expect(bad.stderr).toMatch(/^Error: Invalid restart policy: maximum retry count can only be used with 'on-failure'\.\n$/);
      await sandbox.ok(['rm', 'later']);

      await sandbox.ok(['run', '-d', '--rm', '--net', 'none', '--name', 'gone', 'busybox', 'sleep', '300']);
      const refused = await sandbox.run(['update', '--restart', 'always', 'gone']);
      expect(refused).toMatchObject({
        code: 125,
        stdout: '',
        stderr: 'Error: Cannot update container gone: Restart policy cannot be updated because AutoRemove is enabled for the container\n',
      });
      expect(await inspect('gone', '{{.HostConfig.RestartPolicy.Name}}')).toBe('no');
      await sandbox.ok(['rm', '-f', 'gone']);
    });

    it('always: comes back after its monitor is killed, through restart-policies and through the next ps', async () => {
      await sandbox.ok(['run', '-d', '--name', 'keep', '--restart', 'always', 'busybox', 'sleep', '1000']);
      const first = await record('keep');
      expect(alive(first.pid)).toBe(true);
      process.kill(first.monitorPid!, 'SIGKILL');
      // PID 1 goes with its monitor; the container is found exited, its exit code unknown.
      const exited = await waitFor(
        () => inspect('keep', '{{.State.Status}} {{.State.ExitCode}}'),
        (s) => s === 'exited -1',
        20_000,
      );
      expect(exited).toBe('exited -1');
      expect(
        await waitFor(
          () => alive(first.pid),
          (a) => !a,
        ),
      ).toBe(false);
      expect(await sandbox.ok(['system', 'restart-policies'])).toBe('keep\n');
      const second = await record('keep');
      expect(second.status).toBe('running');
      expect(second.pid).not.toBe(first.pid);
      expect(alive(second.pid)).toBe(true);
      expect(await inspect('keep', '{{.RestartCount}} {{.State.Running}}')).toBe('1 true');

      // Once more; this time `ps` notices: it shows what it found, then the policy brings it back.
      process.kill(second.monitorPid!, 'SIGKILL');
      expect(
        await waitFor(
          () => alive(second.pid),
          (a) => !a,
        ),
      ).toBe(false);
      expect(await status('keep')).toMatch(/^Exited \(-1\) /);
      const third = await waitFor(
        () => record('keep'),
        (r) => r.status === 'running' && alive(r.pid) && r.pid !== second.pid,
        20_000,
      );
      expect(third).toMatchObject({ status: 'running', restartCount: 2 });
      expect(await status('keep')).toMatch(/^Up /);
      await sandbox.ok(['rm', '-f', 'keep']);
      expect(alive(third.monitorPid)).toBe(false);
      expect(alive(third.pid)).toBe(false);
    });

    it('stop holds a policy down until start; restart-policies (a reboot) brings back always, not a stopped unless-stopped', async () => {
      await sandbox.ok(['run', '-d', '--name', 'us', '--restart', 'unless-stopped', 'busybox', 'sleep', '1000']);
      await sandbox.ok(['run', '-d', '--name', 'al', '--restart', 'always', 'busybox', 'sleep', '1000']);
      await sandbox.ok(['stop', '-t', '0', 'us', 'al']);
      for (const name of ['us', 'al']) {
        const r = await waitFor(
          () => record(name),
          (v) => !alive(v.monitorPid),
        );
        expect(r).toMatchObject({ status: 'stopped' });
        expect(r.restarting).toBeUndefined();
        expect(alive(r.monitorPid)).toBe(false);
      }
      // ps does not restart what was stopped by hand.
      await sandbox.ok(['ps', '-a']);
      expect(await inspect('us', '{{.State.Status}}')).toBe('exited');
      expect(await sandbox.ok(['system', 'restart-policies'])).toBe('al\n');
      expect(await inspect('al', '{{.State.Status}}')).toBe('running');
      expect(await inspect('us', '{{.State.Status}}')).toBe('exited');
      // start by hand: runs, and the policy counts afresh.
      await sandbox.ok(['start', 'us']);
      expect(await inspect('us', '{{.State.Status}} {{.RestartCount}}')).toBe('running 0');
      await sandbox.ok(['rm', '-f', 'us', 'al']);
    });

    it('rm -f of a container waiting its back-off ends its monitor; bad --restart values are refused', async () => {
      await sandbox.ok(['run', '-d', '--name', 'loop', '--restart', 'always', 'busybox', 'false']);
      const looping = await waitFor(
        () => record('loop'),
        (r) => (r.restartCount ?? 0) >= 3,
        60_000,
      );
      expect(looping.restartCount).toBeGreaterThanOrEqual(3);
      const last = await record('loop');
      await sandbox.ok(['rm', '-f', 'loop']);
      expect(alive(last.monitorPid)).toBe(false);
      expect(await sandbox.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).toBe('');
      expect(
        await waitFor(
          () => engineProcesses(),
          (p) => p.length === 0,
        ),
      ).toEqual([]);

      for (const [flag, message] of [
        ['sometimes', /unknown policy 'sometimes'/],
        ['always:2', /maximum retry count can only be used with 'on-failure'/],
        ['on-failure:x', /maximum retry count must be an integer/],
      ] as const) {
        const r = await sandbox.run(['run', '-d', '--restart', flag, 'busybox', 'true']);
        expect(r.code).toBe(125);
        expect(r.stderr).toMatch(message);
      }
      const both = await sandbox.run(['run', '--rm', '--restart', 'always', 'busybox', 'true']);
      expect(both).toMatchObject({ code: 125, stderr: 'Error: Conflicting options: cannot specify both --restart and --rm.\n' });
      expect(await sandbox.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).toBe('');
    });
  });

  describe('health checks', () => {
    it('the monitor runs the check every interval: healthy, unhealthy when it fails, healthy again; in ps, inspect and events', async () => {
      await sandbox.ok([
        'run',
        '-d',
        '--name',
        'web',
        '--health-cmd',
        'cat /tmp/healthy',
        '--health-interval',
        '200ms',
        '--health-retries',
        '1',
        '--health-timeout',
        '30s',
        'busybox',
        'sh',
        '-c',
        'touch /tmp/healthy; exec sleep 1000',
      ]);
      const since = new Date(Date.now() - 60_000).toISOString();
      expect(
        await waitFor(
          () => status('web'),
          (s) => /^Up .* \(healthy\)$/.test(s),
          30_000,
        ),
      ).toMatch(/\(healthy\)$/);
      await sandbox.ok(['exec', 'web', 'rm', '/tmp/healthy']);
      expect(
        await waitFor(
          () => status('web'),
          (s) => s.endsWith('(unhealthy)'),
          30_000,
        ),
      ).toMatch(/^Up .* \(unhealthy\)$/);
      expect(await sandbox.ok(['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}}'])).toBe('web\n');
      const health = JSON.parse(await inspect('web', '{{json .State.Health}}'));
      expect(health.Status).toBe('unhealthy');
      expect(health.FailingStreak).toBeGreaterThanOrEqual(1);
      expect(health.Log.length).toBeLessThanOrEqual(5);
      expect(health.Log.at(-1)).toMatchObject({ ExitCode: 1, Output: expect.stringContaining('No such file') });
      await sandbox.ok(['exec', 'web', 'touch', '/tmp/healthy']);
      expect(
        await waitFor(
          () => status('web'),
          (s) => s.endsWith('(healthy)'),
          30_000,
        ),
      ).toMatch(/\(healthy\)$/);
      const events = await sandbox.ok([
        'events',
        '--since',
        since,
        '--until',
        '0s',
        '--filter',
        'container=web',
        '--filter',
        'event=health_status',
        '--format',
        '{{.Action}}',
      ]);
      expect(events.split('\n').filter(Boolean)).toEqual(['health_status: healthy', 'health_status: unhealthy', 'health_status: healthy']);
      expect(JSON.parse(await inspect('web', '{{json .Config.Healthcheck}}'))).toEqual({
        Test: ['CMD-SHELL', 'cat /tmp/healthy'],
        Interval: 200_000_000,
        Timeout: 30_000_000_000,
        Retries: 1,
      });
      const monitor = (await record('web')).monitorPid;
      await sandbox.ok(['rm', '-f', 'web']);
      expect(alive(monitor)).toBe(false);
      expect(
        await waitFor(
          () => engineProcesses(),
          (p) => p.length === 0,
        ),
      ).toEqual([]);
    });

    it('--health-start-interval: during the start period the monitor checks at the start interval (API 1.44), shown in inspect', async () => {
      // An interval of an hour: only the start interval can make it healthy within this test.
      const flags = ['--health-cmd', 'test -e /tmp/ok', '--health-interval', '1h', '--health-start-period', '1h', '--health-start-interval', '200ms'];
      await sandbox.ok(['run', '-d', '--net', 'none', '--name', 'si', ...flags, 'busybox', 'sleep', '1000']);
      expect(await inspect('si', '{{.Config.Healthcheck.StartInterval}} {{.Config.Healthcheck.StartPeriod}}')).toBe('200000000 3600000000000');
      // Failures in the start period do not count: still starting while the monitor keeps checking.
      const failing = await waitFor(
        () => inspect('si', '{{len .State.Health.Log}} {{.State.Health.Status}}'),
        (v) => Number(v.split(' ')[0]) >= 2,
        30_000,
      );
      expect(failing).toMatch(/^\d+ starting$/);
      await sandbox.ok(['exec', 'si', 'touch', '/tmp/ok']);
      expect(
        await waitFor(
          () => status('si'),
          (v) => v.endsWith('(healthy)'),
          30_000,
        ),
      ).toMatch(/^Up .* \(healthy\)$/);
      const bad = await sandbox.run(['run', '-d', '--health-cmd', 'true', '--health-start-interval', 'soon', 'busybox', 'true']);
      expect(bad).toMatchObject({ code: 125, stdout: '' });
      expect(bad.stderr).toMatch(/^Error: Invalid argument "soon" for "--health-start-interval" flag: time: invalid duration "soon"\.\n$/);
      await sandbox.ok(['rm', '-f', 'si']);
    });

    it('healthcheck run: starting until the retries are spent, a time-out kills the check inside the container, --no-healthcheck', async () => {
      await sandbox.ok([
        'run',
        '-d',
        '--name',
        'hs',
        '--health-cmd',
        'test -e /tmp/ok',
        '--health-interval',
        '1h',
        '--health-retries',
        '2',
        'busybox',
        'sleep',
        '1000',
      ]);
      expect(await status('hs')).toMatch(/^Up .* \(health: starting\)$/);
      expect(await sandbox.run(['healthcheck', 'run', 'hs'])).toEqual({ code: 1, stdout: 'unhealthy\n', stderr: '' });
      expect(await inspect('hs', '{{.State.Health.Status}} {{.State.Health.FailingStreak}}')).toBe('starting 1');
      expect((await sandbox.run(['healthcheck', 'run', 'hs'])).code).toBe(1);
      expect(await inspect('hs', '{{.State.Health.Status}} {{.State.Health.FailingStreak}}')).toBe('unhealthy 2');
      await sandbox.ok(['exec', 'hs', 'touch', '/tmp/ok']);
      expect(await sandbox.run(['healthcheck', 'run', 'hs'])).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await status('hs')).toMatch(/\(healthy\)$/);

      await sandbox.ok([
        'run',
        '-d',
        '--name',
        'slow',
        '--health-cmd',
        'sleep 997',
        '--health-timeout',
        '300ms',
        '--health-interval',
        '1h',
        'busybox',
        'sleep',
        '1000',
      ]);
      expect((await sandbox.run(['healthcheck', 'run', 'slow'])).code).toBe(1);
      expect(JSON.parse(await inspect('slow', '{{json .State.Health.Log}}')).at(-1)).toMatchObject({
        ExitCode: -1,
        Output: 'Health check exceeded timeout (300ms)',
      });
      expect(await sandbox.ok(['exec', 'slow', 'ps', '-o', 'args'])).not.toMatch(/sleep 997/);

      const none = await sandbox.run(['healthcheck', 'run', (await sandbox.ok(['run', '-d', '--no-healthcheck', 'busybox', 'sleep', '1000'])).trim()]);
      expect(none.code).toBe(125);
      expect(none.stderr).toMatch(/has no defined healthcheck/);
      const conflict = await sandbox.run(['run', '-d', '--no-healthcheck', '--health-cmd', 'true', 'busybox', 'true']);
      expect(conflict).toMatchObject({ code: 125, stderr: 'Error: --no-healthcheck conflicts with --health-* options.\n' });
      await sandbox.ok(['rm', '-f', '--all']);
      expect(
        await waitFor(
          () => engineProcesses(),
          (p) => p.length === 0,
        ),
      ).toEqual([]);
    });
  });
});
