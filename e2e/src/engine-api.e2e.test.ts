import { statSync } from 'node:fs';
import { schemaErrors, type DockerBody } from './docker-schema';
import { ApiService } from './engine-api-harness';
import { Sandbox, waitFor } from './harness';

/**
 * The Docker Engine API (`mydocker system service`) driven by the real docker CLI (Debian's docker.io
 * client; no dockerd anywhere): the same containers as the mydocker CLI's, Docker's outputs and exit codes.
 */
describe('Engine API: the docker CLI', () => {
  const sandbox = new Sandbox('api');
  const api = new ApiService(sandbox);

  beforeAll(async () => {
    await api.start();
  });

  afterAll(async () => {
    expect([0, 'SIGTERM']).toContain(await api.stop());
    expect(api.socketExists()).toBe(false);
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('listens on a root-only socket and negotiates API 1.41–1.43 through /_ping and the /v1.NN prefix', async () => {
    const st = statSync(api.socket);
    expect(st.isSocket()).toBe(true);
    // No `mydocker` group on the test machine: root only.
    expect(st.mode & 0o777).toBe(0o600);
    const ping = await api.http('GET', '/_ping');
    expect(ping).toMatchObject({ status: 200, body: 'OK' });
    expect(ping.headers['api-version']).toBe('1.43');
    expect((await api.http('HEAD', '/_ping')).status).toBe(200);
    const v = await api.http('GET', '/v1.41/version');
    expect(v.status).toBe(200);
    expect(JSON.parse(v.body)).toMatchObject({ ApiVersion: '1.43', MinAPIVersion: '1.41', Os: 'linux' });
    const old = await api.http('GET', '/v1.40/version');
    expect(old.status).toBe(400);
    expect(JSON.parse(old.body).message).toMatch(/too old\. Minimum supported API version is 1\.41/);
    expect(await api.dockerOk(['version', '--format', '{{.Server.APIVersion}}'])).toBe('1.43\n');
  });

  it("answers an endpoint it does not implement with 501 and Docker's error JSON", async () => {
    const r = await api.http('POST', '/v1.43/swarm/init', '{}');
    expect(r.status).toBe(501);
    expect(JSON.parse(r.body)).toEqual({ message: expect.stringMatching(/not implemented/) });
    // The service still serves.
    expect(await api.ping()).toBe(200);
  });

  it('docker run --rm busybox echo hi: the output, both streams apart, the exit code, nothing left', async () => {
    expect(await api.dockerOk(['run', '--rm', 'busybox', 'echo', 'hi'])).toBe('hi\n');
    const r = await api.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(await api.dockerOk(['ps', '-a', '-q'])).toBe('');
  });

  it("exit codes are Docker's: 127 command not found, 126 cannot run, 125 the engine refused", async () => {
    const notFound = await api.docker(['run', '--rm', 'busybox', 'nosuchcmd']);
    expect(notFound.code).toBe(127);
    expect(notFound.stderr).toMatch(/executable file not found/);
    const dir = await api.docker(['run', '--rm', 'busybox', '/etc']);
    expect(dir).toMatchObject({ code: 126, stderr: expect.stringMatching(/is a directory/) });
    const taken = await api.docker(['run', '--name', 'dup', 'busybox', 'true']);
    expect(taken.code).toBe(0);
    const again = await api.docker(['run', '--name', 'dup', 'busybox', 'true']);
    expect({ code: again.code, stderr: again.stderr }).toEqual({
      code: 125,
      stderr: expect.stringMatching(/Conflict\. The container name "dup" is already in use/),
    });
    const badCap = await api.docker(['run', '--rm', '--cap-add', 'NOT_A_CAP', 'busybox', 'true']);
    expect({ code: badCap.code, stderr: badCap.stderr }).toEqual({ code: 125, stderr: expect.stringMatching(/NOT_A_CAP/) });
    await api.dockerOk(['rm', 'dup']);
    expect(await api.dockerOk(['ps', '-a', '-q'])).toBe('');
  });

  it('run -d, logs -f, exec (exit code, stdin), ps --format, inspect -f, stop, rm — and the mydocker CLI sees the same container', async () => {
    const id = (
      await api.dockerOk([
        'run',
        '-d',
        '--name',
        'web',
        '-e',
        'GREETING=hello',
        'busybox',
        'sh',
        '-c',
        'echo started; echo warn >&2; trap "exit 0" TERM; while true; do sleep 0.2; done',
      ])
    ).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const logs = await waitFor(
      () => api.docker(['logs', 'web']),
      (r) => r.stdout.includes('started') && r.stderr.includes('warn'),
    );
    expect(logs).toMatchObject({ code: 0, stdout: 'started\n', stderr: 'warn\n' });
    expect(await api.dockerOk(['exec', 'web', 'sh', '-c', 'echo $GREETING from exec'])).toBe('hello from exec\n');
    expect((await api.docker(['exec', 'web', 'sh', '-c', 'exit 4'])).code).toBe(4);
    expect(await api.dockerOk(['exec', '-i', 'web', 'cat'], { input: 'through stdin\n' })).toBe('through stdin\n');
    expect((await api.docker(['exec', 'web', 'nosuchcmd'])).code).toBe(127);
    expect(await api.dockerOk(['ps', '--format', '{{.Names}} {{.Image}} {{.Command}}'])).toBe('web busybox "sh -c echo started;…"\n');
    expect(await api.dockerOk(['ps', '--format', '{{.Status}}'])).toMatch(/^Up /);
    expect(await api.dockerOk(['inspect', '-f', '{{.State.Status}} {{.Name}} {{.Config.Image}} {{.Id}}', 'web'])).toBe(`running /web busybox ${id}\n`);
    // One engine: the mydocker CLI lists the API's container, and the API the CLI's.
    expect(await sandbox.ok(['ps', '--format', '{{.Names}}'])).toBe('web\n');
    await sandbox.ok(['run', '-d', '--name', 'cli-made', 'busybox', 'top']);
    expect((await api.dockerOk(['ps', '--format', '{{.Names}}'])).split('\n').sort()).toEqual(['', 'cli-made', 'web']);
    // logs -f follows until the container ends; stop ends it (its TERM trap exits 0).
    const follow = api.docker(['logs', '-f', 'web']);
    await api.dockerOk(['stop', 'web']);
    expect(await follow).toMatchObject({ code: 0, stdout: 'started\n' });
    expect(await api.dockerOk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'web'])).toBe('exited 0\n');
    expect((await api.docker(['rm', 'cli-made'])).code).toBe(1);
    await api.dockerOk(['rm', 'web']);
    await api.dockerOk(['rm', '-f', 'cli-made']);
    const missing = await api.docker(['inspect', 'web']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No such object: web/i);
    expect(await api.dockerOk(['ps', '-a', '-q'])).toBe('');
  });

  it('images list and inspect as docker images / image inspect show them', async () => {
    const images = await api.dockerOk(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(images.split('\n')).toContain('busybox:latest');
    expect(await api.dockerOk(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect((await api.docker(['image', 'inspect', 'nosuch:image'])).code).toBe(1);
  });

  it("request and response bodies conform to Docker's API 1.41 schemas (made from docker-types' generated models)", async () => {
    /** One raw request: its status, and the JSON answer with the schema errors of its declared model. */
    const call = async (method: string, path: string, model: DockerBody | null, body?: object) => {
      const r = await api.http(method, `/v1.41${path}`, body === undefined ? undefined : JSON.stringify(body));
      const json = r.body ? JSON.parse(r.body) : undefined;
      if (model) expect({ path, errors: schemaErrors(model, json) }).toEqual({ path, errors: [] });
      return { status: r.status, json };
    };
    const { HostConfig, ...config } = {
      Image: 'busybox',
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done'],
      Env: ['SCHEMA=1'],
      Labels: { test: 'schema' },
      WorkingDir: '/tmp',
      HostConfig: { NetworkMode: 'none', Memory: 64 * 1024 * 1024, CapDrop: ['NET_RAW'], Binds: [] as string[], RestartPolicy: { Name: 'no' } },
    };
    // The create body the test sends is itself Docker's ContainerConfig + HostConfig.
    expect(schemaErrors('ContainerConfig', config)).toEqual([]);
    expect(schemaErrors('HostConfig', HostConfig)).toEqual([]);
    const created = await call('POST', '/containers/create?name=schema', null, { ...config, HostConfig });
    expect(created.status).toBe(201);
    const id = created.json.Id as string;
    try {
      expect((await call('POST', `/containers/${id}/start`, null)).status).toBe(204);
      const list = await call('GET', '/containers/json', null);
      expect(list.json.length).toBeGreaterThan(0);
      for (const c of list.json) expect(schemaErrors('ContainerSummary', c)).toEqual([]);
      const inspect = await call('GET', `/containers/${id}/json`, 'ContainerInspectResponse');
      expect(inspect.json).toMatchObject({ Id: id, Name: '/schema', State: { Running: true }, Config: { Labels: { test: 'schema' } } });
      const exec = await call('POST', `/containers/${id}/exec`, null, { Cmd: ['sh', '-c', 'exit 3'], AttachStdout: true });
      expect(exec.status).toBe(201);
      expect((await api.http('POST', `/v1.41/exec/${exec.json.Id}/start`, JSON.stringify({ Detach: true }))).status).toBe(200);
      const done = await waitFor(
        () => call('GET', `/exec/${exec.json.Id}/json`, 'ExecInspectResponse'),
        (r) => r.json.Running === false,
      );
      expect(done.json).toMatchObject({ Running: false, ExitCode: 3, ContainerID: id });
      expect((await call('POST', `/containers/${id}/stop?t=5`, null)).status).toBe(204);
      expect((await call('POST', `/containers/${id}/wait`, 'ContainerWaitResponse')).json.StatusCode).toBe(0);
    } finally {
      await api.http('DELETE', `/v1.41/containers/${id}?force=1`);
    }
    const images = await call('GET', '/images/json', null);
    for (const i of images.json) expect(schemaErrors('ImageSummary', i)).toEqual([]);
    await call('GET', '/images/busybox/json', 'ImageInspect');
    await call('GET', '/version', 'SystemVersion');
    await call('GET', '/info', 'SystemInfo');
    const networks = await call('GET', '/networks', null);
    for (const n of networks.json) expect(schemaErrors('Network', n)).toEqual([]);
    await call('GET', '/networks/none', 'Network');
    expect((await call('POST', '/volumes/create', 'Volume', { Name: 'schema-vol', Labels: { test: 'schema' } })).status).toBe(201);
    await call('GET', '/volumes/schema-vol', 'Volume');
    await call('GET', '/volumes', 'VolumeListResponse');
    expect((await api.http('DELETE', '/v1.41/volumes/schema-vol')).status).toBe(204);
  });

  it('the service can stop and start again while a container keeps running: the monitor owns it', async () => {
    await api.dockerOk(['run', '-d', '--name', 'lasting', 'busybox', 'top']);
    expect([0, 'SIGTERM']).toContain(await api.stop());
    expect(await sandbox.ok(['inspect', '-f', '{{.State.Status}}', 'lasting'])).toBe('running\n');
    await api.start();
    expect(await api.dockerOk(['inspect', '-f', '{{.State.Status}}', 'lasting'])).toBe('running\n');
    await api.dockerOk(['rm', '-f', 'lasting']);
  });
});
