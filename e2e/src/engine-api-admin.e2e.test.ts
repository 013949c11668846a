import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ApiService } from './engine-api-harness';
import { freePort, htpasswdLine, startRegistry } from './local-services';
import { MYDOCKER_BIN, runProcess, Sandbox, waitFor } from './harness';

/**
 * The Engine API's container administration and housekeeping, driven by Debian's docker CLI (and raw
 * requests where the answer's shape is the point): top, stats (one-shot and streamed), pause/unpause,
 * rename, update, resize of a TTY, attach with logs=1, `docker run -it` through a pty, the four prunes,
 * save/load, and `docker login` (/auth) against a local docker-registry. One service for the file.
 */
const sandbox = new Sandbox('apiadm');
const api = new ApiService(sandbox);
const registries: ChildProcess[] = [];
let port = 0;
let authPort = 0;

const json = async (method: string, path: string, body?: string) => {
  const r = await api.http(method, path, body);
  return {
    status: r.status,
    body: r.body,
    value: r.body.trim().startsWith('{') || r.body.trim().startsWith('[') ? JSON.parse(r.body.trim().split('\n')[0]) : undefined,
  };
};

beforeAll(async () => {
  const plain = await startRegistry({ dir: sandbox.dir, name: 'registry', upStatuses: [200] });
  const auth = await startRegistry({ dir: sandbox.dir, name: 'auth-registry', htpasswd: htpasswdLine('alice', 's3cret'), upStatuses: [401] });
  registries.push(plain.child, auth.child);
  [port, authPort] = [plain.port, auth.port];
  // The service's own credential store (what /auth writes) is in the sandbox.
  await api.start([], { DOCKER_CONFIG: join(sandbox.dir, 'service-config') });
  await api.dockerOk([
    'run',
    '-d',
    '--name',
    'adm',
    '--network',
    'none',
    'busybox',
    'sh',
    '-c',
    'echo started-adm; trap "exit 0" TERM; while :; do sleep 0.2; done',
  ]);
});

afterAll(async () => {
  await api.docker(['rm', '-f', 'adm', 'adm2', 'tty1', 'act1', 'busy']);
  expect([0, 'SIGTERM']).toContain(await api.stop());
  for (const registry of registries) {
    const gone = new Promise((r) => registry.once('exit', r));
    registry.kill('SIGTERM');
    await gone;
  }
  expect(await sandbox.destroy()).toEqual([]);
});

describe('Engine API: container administration', () => {
  it('top: docker top, and the {Titles, Processes} answer with ps_args', async () => {
    const out = await api.dockerOk(['top', 'adm']);
    expect(out.split('\n')[0]).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD/);
    expect(out).toContain('sh -c echo started-adm');
    const r = await json('GET', '/containers/adm/top?ps_args=-o%20pid,comm');
    expect(r.status).toBe(200);
    expect(r.value.Titles).toEqual(['PID', 'COMMAND']);
    expect(r.value.Processes.map((p: string[]) => p[1])).toContain('sh');
    expect(r.value.Processes.every((p: string[]) => p.length === 2)).toBe(true);
  });

  it('stats: one-shot with precpu, streamed one a second, and docker stats --no-stream', async () => {
    const r = await json('GET', '/containers/adm/stats?stream=false');
    expect(r.status).toBe(200);
    const s = r.value;
    expect(s).toMatchObject({ name: '/adm', id: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(s.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(0);
    expect(s.cpu_stats.system_cpu_usage).toBeGreaterThan(s.precpu_stats.system_cpu_usage);
    expect(s.precpu_stats.system_cpu_usage).toBeGreaterThan(0);
    expect(s.cpu_stats.online_cpus).toBeGreaterThan(0);
    expect(s.memory_stats.usage).toBeGreaterThan(0);
    expect(s.memory_stats.limit).toBeGreaterThanOrEqual(s.memory_stats.usage);
    expect(s.pids_stats.current).toBeGreaterThanOrEqual(1);
    expect(s.blkio_stats.io_service_bytes_recursive.map((e: { op: string }) => e.op)).toEqual(['read', 'write']);
    // Streamed: the client reads two objects, then goes; the service keeps serving.
    const lines = await new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      let buf = '';
      const req = request({ socketPath: api.socket, path: '/containers/adm/stats', headers: { Host: 'docker' } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          const parts = buf.split('\n');
          buf = parts.pop() ?? '';
          got.push(...parts.filter(Boolean));
          if (got.length >= 2) {
            req.destroy();
            resolve(got);
          }
        });
      });
      req.on('error', (e: Error) => (got.length >= 2 ? undefined : reject(e)));
      req.end();
    });
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(first.precpu_stats.system_cpu_usage).toBe(0);
    expect(second.precpu_stats.system_cpu_usage).toBe(first.cpu_stats.system_cpu_usage);
    const row = JSON.parse(await api.dockerOk(['stats', '--no-stream', '--format', '{{json .}}', 'adm']));
    expect(row).toMatchObject({ Name: 'adm', PIDs: expect.stringMatching(/^[1-9]\d*$/) });
    expect(row.MemUsage).toMatch(/^[\d.]+[KMG]iB \/ [\d.]+[KMG]iB$/);
    expect((await api.ping()) === 200).toBe(true);
  });

  it('pause / unpause: paused in inspect and ps, 409 twice, running again after', async () => {
    await api.dockerOk(['pause', 'adm']);
    expect((await api.dockerOk(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'adm'])).trim()).toBe('paused true');
    const again = await json('POST', '/containers/adm/pause');
    expect(again.status).toBe(409);
    expect(again.value.message).toMatch(/already paused/);
    await api.dockerOk(['unpause', 'adm']);
    expect((await api.dockerOk(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'adm'])).trim()).toBe('running false');
    expect((await json('POST', '/containers/adm/unpause')).status).toBe(409);
  });

  it('rename: the new name everywhere, a taken name is 409, a missing container 404', async () => {
    await api.dockerOk(['create', '--name', 'adm2', '--network', 'none', 'busybox', 'true']);
    await api.dockerOk(['rename', 'adm2', 'adm3']);
    expect((await sandbox.ok(['ps', '-a', '--format', '{{.Names}}'])).split('\n')).toContain('adm3');
    expect((await json('POST', '/containers/adm3/rename?name=adm')).status).toBe(409);
    expect((await json('POST', '/containers/nosuch/rename?name=x')).status).toBe(404);
    await api.dockerOk(['rename', 'adm3', 'adm2']);
  });

  it('update: docker update --memory/--pids-limit reach the live cgroup; an unsupported field is 400', async () => {
    expect((await api.dockerOk(['update', '--memory', '96m', '--memory-swap', '-1', '--pids-limit', '50', 'adm'])).trim()).toBe('adm');
    expect((await api.dockerOk(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}', 'adm'])).trim()).toBe(`${96 * 1024 * 1024} 50`);
    const id = (await api.dockerOk(['inspect', '-f', '{{.Id}}', 'adm'])).trim();
    expect(readFileSync(`/sys/fs/cgroup/pids/${sandbox.cgroupParent}/${id}/pids.max`, 'utf8').trim()).toBe('50');
    const bad = await json('POST', '/containers/adm/update', JSON.stringify({ CpuRealtimeRuntime: 950000 }));
    expect(bad.status).toBe(400);
    expect(bad.value.message).toMatch(/CpuRealtimeRuntime cannot be updated/);
    const r = await json('POST', '/containers/adm/update', JSON.stringify({ PidsLimit: 60 }));
    expect(r).toMatchObject({ status: 200, value: { Warnings: [] } });
  });

  it('stats of a busy container under a CPU quota: user time, per-CPU sum = total, throttling; docker update --restart/--cpu-quota', async () => {
    await api.dockerOk([
      'run',
      '-d',
      '--name',
      'busy',
      '--network',
      'none',
      '--cpu-period',
      '100000',
      '--cpu-quota',
      '20000',
      'busybox',
      'sh',
      '-c',
      'while :; do :; done',
    ]);
    const id = (await api.dockerOk(['inspect', '-f', '{{.Id}}', 'busy'])).trim();
    type Cpu = {
      cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_usermode: number };
      throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
    };
    const cpu = await waitFor(
      () => json('GET', '/containers/busy/stats?stream=false&one-shot=true').then((r) => r.value.cpu_stats as Cpu),
      (c) => c.cpu_usage.usage_in_usermode > 0 && c.throttling_data.throttled_periods > 0,
      30_000,
    );
    expect(cpu.cpu_usage.usage_in_usermode).toBeGreaterThan(0);
    expect(cpu.throttling_data.throttled_periods).toBeGreaterThan(0);
    expect(cpu.throttling_data.periods).toBeGreaterThanOrEqual(cpu.throttling_data.throttled_periods);
    expect(cpu.throttling_data.throttled_time).toBeGreaterThan(0);
    const v1 = existsSync('/sys/fs/cgroup/cpuacct');
    if (v1) {
      // One reading of cpuacct.usage_percpu: its sum is the total.
      expect(cpu.cpu_usage.percpu_usage!.length).toBeGreaterThan(0);
      expect(cpu.cpu_usage.percpu_usage!.reduce((a, b) => a + b, 0)).toBe(cpu.cpu_usage.total_usage);
    } else expect(cpu.cpu_usage.percpu_usage).toBeUndefined();
    expect((await api.dockerOk(['update', '--restart', 'always', '--cpu-quota', '30000', '--memory-reservation', '32m', 'busy'])).trim()).toBe('busy');
    const hc = '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} {{.HostConfig.MemoryReservation}}';
    expect((await api.dockerOk(['inspect', '-f', hc, 'busy'])).trim()).toBe(`always 100000 30000 ${32 * 1024 * 1024}`);
    if (v1) expect(readFileSync(`/sys/fs/cgroup/cpu/${sandbox.cgroupParent}/${id}/cpu.cfs_quota_us`, 'utf8').trim()).toBe('30000');
    const r = await json(
      'POST',
      '/containers/busy/update',
      JSON.stringify({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 }, CpuPeriod: 50000, CpuQuota: 25000 }),
    );
    expect(r).toMatchObject({ status: 200, value: { Warnings: [] } });
    const after = '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}}';
    expect((await api.dockerOk(['inspect', '-f', after, 'busy'])).trim()).toBe('on-failure:2 50000 25000');
    await api.dockerOk(['rm', '-f', 'busy']);
  });

  it('attach with logs=1 replays what the container wrote before', async () => {
    const r = await api.http('POST', '/containers/adm/attach?logs=1&stream=0&stdout=1&stderr=1');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/vnd.docker.multiplexed-stream');
    const buf = Buffer.from(r.body, 'latin1');
    expect(buf[0]).toBe(1);
    expect(r.body.slice(8)).toBe('started-adm\n');
  });

  it('resize of a TTY container: the new size reaches its terminal', async () => {
    await api.dockerOk(['run', '-d', '-t', '--name', 'tty1', '--network', 'none', 'busybox', 'sh', '-c', 'while :; do stty size; sleep 0.3; done']);
    const r = await api.http('POST', '/containers/tty1/resize?h=33&w=101');
    expect(r.status).toBe(200);
    const logs = await waitFor(
      () => api.docker(['logs', 'tty1']).then((x) => x.stdout),
      (l) => l.includes('33 101'),
      20_000,
    );
    expect(logs).toContain('33 101');
    expect((await api.http('POST', '/containers/tty1/resize?h=x&w=1')).status).toBe(400);
  });

  it('exec resize: docker exec -it through a pty sees its size; POST /exec/{id}/resize reaches a Tty exec; 404, 400, 409', async () => {
    // The CLI sends the size of its terminal (script's pty, set by stty) with /exec/{id}/resize.
    const waitSize = (size: string) => `i=0; until [ "$(stty size)" = "${size}" ] || [ $i = 150 ]; do i=$((i+1)); sleep 0.2; done; echo size:$(stty size)`;
    const cmd = `stty rows 27 cols 91; /usr/bin/docker exec -it adm sh -c '${waitSize('27 91')}'`;
    const cli = await runProcess('/usr/bin/script', ['-qec', cmd, '/dev/null'], { env: api.dockerEnv }, { timeoutMs: 90_000 });
    expect(cli.stdout).toContain('size:27 91');
    expect(cli.code).toBe(0);
    // A raw Tty exec, started detached, waits for the size a resize call gives it.
    const created = await json('POST', '/containers/adm/exec', JSON.stringify({ Tty: true, Cmd: ['sh', '-c', `${waitSize('33 77')} | grep -q 'size:33 77'`] }));
    expect(created.status).toBe(201);
    const id = created.value.Id as string;
    expect((await json('POST', `/exec/${id}/resize?h=x&w=77`)).status).toBe(400);
    expect((await json('POST', `/exec/${id}/start`, JSON.stringify({ Detach: true }))).status).toBe(200);
    expect((await json('POST', `/exec/${id}/resize?h=33&w=77`)).status).toBe(200);
    const ended = await waitFor(
      () => json('GET', `/exec/${id}/json`).then((r) => r.value),
      (v) => v.Running === false,
      60_000,
    );
    expect(ended).toMatchObject({ Running: false, ExitCode: 0 });
    expect((await json('POST', `/exec/${id}/resize?h=30&w=70`)).status).toBe(409);
    expect((await json('POST', '/exec/nosuch0000000000/resize?h=1&w=1')).status).toBe(404);
    // Without a Tty there is no terminal to size: Docker's daemon (containerd) answers 200 and does nothing.
    const plain = await json('POST', '/containers/adm/exec', JSON.stringify({ Cmd: ['sleep', '2'] }));
    expect((await json('POST', `/exec/${plain.value.Id}/start`, JSON.stringify({ Detach: true }))).status).toBe(200);
    expect((await json('POST', `/exec/${plain.value.Id}/resize?h=10&w=10`)).status).toBe(200);
  });

  it('docker run -it through a pty: a line typed in is echoed back, the exit code comes out', async () => {
    const cmd = `/usr/bin/docker run -it --rm --network none busybox sh -c 'read line; echo got:$line; exit 3'`;
    const r = await runProcess('/usr/bin/script', ['-qec', cmd, '/dev/null'], { env: api.dockerEnv }, { input: 'hello-tty\n', timeoutMs: 90_000 });
    expect(r.stdout).toContain('got:hello-tty');
    expect(r.code).toBe(3);
  });
});

/** Whether something accepts connections on the unix socket PATH ('refused' when nothing holds it). */
function connectResult(path: string): Promise<string> {
  return new Promise((resolve) => {
    const c = connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve('accepted');
    });
    c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' ? 'refused' : String(e.code)));
  });
}

describe('Engine API: systemd socket activation', () => {
  const units = join(__dirname, '../../packages/engine-api/systemd');

  it('the shipped units pass systemd-analyze verify; ExecStart is the service command line', async () => {
    const r = await runProcess('systemd-analyze', ['verify', join(units, 'mydocker.socket'), join(units, 'mydocker.service')], {});
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const execStart = /^ExecStart=(.*)$/m.exec(readFileSync(join(units, 'mydocker.service'), 'utf8'))![1].split(/\s+/);
    expect(execStart).toEqual(['/usr/bin/env', 'mydocker', 'system', 'service', '--time', '300']);
    expect(/^ListenStream=(.*)$/m.exec(readFileSync(join(units, 'mydocker.socket'), 'utf8'))![1]).toBe('/run/mydocker/docker.sock');
  });

  it('systemd-socket-activate: the docker CLI is served on the passed socket, the service exits idle, the socket is not leaked', async () => {
    const path = join(sandbox.dir, 'activated.sock');
    const env = { ...api.dockerEnv, DOCKER_HOST: `unix://${path}` };
    const execStart = /^ExecStart=(.*)$/m.exec(readFileSync(join(units, 'mydocker.service'), 'utf8'))![1].split(/\s+/);
    // The unit's own arguments, with the built binary and a short idle time.
    const argv = [MYDOCKER_BIN, ...execStart.slice(2).map((a, i, all) => (all[i - 1] === '--time' ? '2' : a))];
    const passEnv = Object.entries(sandbox.env).flatMap(([k, v]) => ['-E', `${k}=${v}`]);
    for (const round of [1, 2]) {
      // systemd-socket-activate binds the socket, waits for a connection and execs the service in its place
      // (fd 3, LISTEN_FDS=1, LISTEN_PID = that same process); round 2 binds over the file round 1 left.
      const child = spawn('systemd-socket-activate', [...passEnv, '-l', path, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr!.on('data', (d) => (log += d));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      expect(await waitFor(() => Promise.resolve(log.includes('Listening on')), Boolean, 20_000)).toBe(true);
      const ps = await runProcess('/usr/bin/docker', ['ps', '--format', '{{.Names}}'], { env }, { timeoutMs: 60_000 });
      expect(ps.stdout.split('\n')).toContain('adm');
      if (round === 1) {
        const run = await runProcess(
          '/usr/bin/docker',
          ['run', '-d', '--name', 'act1', '--network', 'none', 'busybox', 'sleep', '120'],
          { env },
          { timeoutMs: 60_000 },
        );
        expect(run.code).toBe(0);
      }
      expect(log).toContain('listening on the socket systemd passed; exits after 2s idle');
      expect(await exited).toBe(0);
      // The socket is systemd's: the service leaves the file; and no process it started (act1's monitor)
      // inherited the listening descriptor, or a connection would be accepted and hang.
      expect(existsSync(path)).toBe(true);
      expect(await connectResult(path)).toBe('refused');
    }
    expect((await sandbox.ok(['ps', '--format', '{{.Names}}'])).split('\n')).toContain('act1');
  });
});

describe('Engine API: prune, save/load, auth', () => {
  it('container prune removes stopped containers only', async () => {
    const out = await api.dockerOk(['container', 'prune', '-f']);
    const id = (await sandbox.ok(['ps', '-a', '-q', '--no-trunc', '--filter', 'name=adm2'])).trim();
    expect(id).toBe('');
    expect(out).toMatch(/Deleted Containers:\n[0-9a-f]{64}/);
    expect((await api.dockerOk(['ps', '--format', '{{.Names}}'])).split('\n')).toEqual(expect.arrayContaining(['adm', 'tty1']));
    const again = await json('POST', '/containers/prune');
    expect(again).toMatchObject({ status: 200, value: { ContainersDeleted: [], SpaceReclaimed: 0 } });
  });

  it('volume and network prune remove the unused ones', async () => {
    await api.dockerOk(['volume', 'create', 'prunevol']);
    await api.dockerOk(['network', 'create', '--subnet', '10.235.77.0/24', 'prunenet']);
    const v = await api.dockerOk(['volume', 'prune', '-f']);
    expect(v).toContain('prunevol');
    expect(await api.dockerOk(['volume', 'ls', '-q'])).not.toContain('prunevol');
    const n = await json('POST', '/networks/prune');
    expect(n.status).toBe(200);
    expect(n.value.NetworksDeleted).toContain('prunenet');
    expect(await api.dockerOk(['network', 'ls', '--format', '{{.Name}}'])).not.toContain('prunenet');
  });

  it('save and load through the service: docker save -o, rmi, docker load -i, image prune of a dangling image', async () => {
    await api.dockerOk(['tag', 'busybox', 'saved:1']);
    const file = join(sandbox.dir, 'saved.tar');
    await api.dockerOk(['save', '-o', file, 'saved:1']);
    const list = await runProcess('tar', ['-tf', file], {});
    expect(list.stdout.split('\n')).toEqual(expect.arrayContaining(['manifest.json', 'index.json']));
    await api.dockerOk(['rmi', 'saved:1']);
    expect((await api.docker(['image', 'inspect', 'saved:1'])).code).toBe(1);
    expect(await api.dockerOk(['load', '-i', file])).toContain('Loaded image: saved:1');
    expect((await api.dockerOk(['image', 'inspect', '-f', '{{.Id}}', 'saved:1'])).trim()).toBe(
      (await api.dockerOk(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).trim(),
    );
    expect((await json('GET', '/images/nosuch:1/get')).status).toBe(404);
    // A dangling image: a commit whose name a second commit takes.
    await sandbox.ok(['commit', 'adm', 'dang:1']);
    const first = (await api.dockerOk(['image', 'inspect', '-f', '{{.Id}}', 'dang:1'])).trim();
    await api.dockerOk(['exec', 'adm', 'touch', '/changed']);
    await sandbox.ok(['commit', 'adm', 'dang:1']);
    const pruned = await json('POST', '/images/prune');
    expect(pruned.status).toBe(200);
    expect(pruned.value.ImagesDeleted).toContainEqual({ Deleted: first });
    await api.dockerOk(['rmi', 'dang:1', 'saved:1']);
  });

  it('docker login (/auth) against a local registry; a missing registry is an error', async () => {
    const out = await api.dockerOk(['login', '-u', 'tester', '--password-stdin', `127.0.0.1:${port}`], { input: 'secret\n' });
    expect(out).toContain('Login Succeeded');
    const stored = JSON.parse(readFileSync(join(sandbox.dir, 'service-config', 'config.json'), 'utf8'));
    expect(Object.keys(stored.auths)).toContain(`127.0.0.1:${port}`);
    const bad = await json('POST', '/auth', JSON.stringify({ username: 'u', password: 'p', serveraddress: `127.0.0.1:${await freePort()}` }));
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.value.message).toMatch(/127\.0\.0\.1/);
  });

  it('X-Registry-Auth: a raw push and pull to a registry with Basic auth, credentials for that request only', async () => {
    const repo = `127.0.0.1:${authPort}/raw/busybox`;
    await api.dockerOk(['tag', 'busybox', `${repo}:1`]);
    const header = (v: object) => ({ 'X-Registry-Auth': Buffer.from(JSON.stringify(v)).toString('base64url') });
    const streamError = (body: string) =>
      body
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { error?: string })
        .find((m) => m.error)?.error;
    // No login anywhere yet: without the header the registry refuses; a wrong password too.
    const anonymous = await api.http('POST', `/images/${repo}/push?tag=1`, '');
    expect(streamError(anonymous.body)).toMatch(/requires authentication/);
    const wrong = await api.http(
      'POST',
      `/images/${repo}/push?tag=1`,
      '',
      header({ username: 'alice', password: 'nope', serveraddress: `127.0.0.1:${authPort}` }),
    );
    expect(streamError(wrong.body)).toMatch(/refused the credentials/);
    const right = header({ username: 'alice', password: 's3cret', serveraddress: `127.0.0.1:${authPort}` });
    const pushed = await api.http('POST', `/images/${repo}/push?tag=1`, '', right);
    expect(pushed.status).toBe(200);
    expect(streamError(pushed.body)).toBeUndefined();
    expect(pushed.body).toMatch(/digest: sha256:[0-9a-f]{64}/);
    await api.dockerOk(['rmi', `${repo}:1`]);
    const pulled = await api.http('POST', `/images/create?fromImage=${encodeURIComponent(repo)}&tag=1`, '', right);
    expect(streamError(pulled.body)).toBeUndefined();
    expect((await api.docker(['image', 'inspect', `${repo}:1`])).code).toBe(0);
    // Used, never kept: the service's store has no entry for that registry.
    expect(readFileSync(join(sandbox.dir, 'service-config', 'config.json'), 'utf8')).not.toContain(`${authPort}`);
    expect((await api.http('POST', `/images/create?fromImage=${encodeURIComponent(repo)}&tag=1`, '', { 'X-Registry-Auth': '%%' })).status).toBe(400);
    await api.dockerOk(['rmi', `${repo}:1`]);
  });

  it('docker login with a wrong and a right password, then docker push and pull through the service', async () => {
    const server = `127.0.0.1:${authPort}`;
    const wrong = await api.docker(['login', '-u', 'alice', '--password-stdin', server], { input: 'nope\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^Error response from daemon: .*401 Unauthorized/m);
    expect(await api.dockerOk(['login', '-u', 'alice', '--password-stdin', server], { input: 's3cret\n' })).toContain('Login Succeeded');
    await api.dockerOk(['tag', 'busybox', `${server}/cli/busybox:2`]);
    expect(await api.dockerOk(['push', `${server}/cli/busybox:2`])).toMatch(/2: digest: sha256:[0-9a-f]{64}/);
    await api.dockerOk(['rmi', `${server}/cli/busybox:2`]);
    expect(await api.dockerOk(['pull', `${server}/cli/busybox:2`])).toContain(`${server}/cli/busybox:2`);
    await api.dockerOk(['rmi', `${server}/cli/busybox:2`]);
    await api.dockerOk(['logout', server]);
  });
});
