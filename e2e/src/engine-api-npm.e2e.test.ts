import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiService } from './engine-api-harness';
import { httpGet, Sandbox } from './harness';

/**
 * The npm clients of the Docker Engine API, unchanged, against `mydocker system service`: dockerode (the
 * Node client most tools build on) and Testcontainers for Node (how test suites start their databases).
 */
describe('Engine API: dockerode and Testcontainers', () => {
  const sandbox = new Sandbox('apinpm');
  const api = new ApiService(sandbox);

  beforeAll(async () => {
    await api.start();
  });

  afterAll(async () => {
    expect([0, 'SIGTERM']).toContain(await api.stop());
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('dockerode: create, start, logs, exec, inspect, stop, remove', async () => {
    const Docker = (await import('dockerode')).default;
    const docker = new Docker({ socketPath: api.socket });
    expect((await docker.version()).ApiVersion).toBe('1.43');
    const container = await docker.createContainer({
      Image: 'busybox',
      name: 'dode',
      Cmd: ['sh', '-c', 'echo from-dockerode; trap "exit 0" TERM; while true; do sleep 0.2; done'],
    });
    await container.start();
    const info = await container.inspect();
    expect(info.State.Running).toBe(true);
    expect(info.Name).toBe('/dode');
    const exec = await container.exec({ Cmd: ['sh', '-c', 'echo exec-out; exit 3'], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', resolve);
      stream.on('close', resolve);
    });
    // dockerode hands back Docker's multiplexed stream: an 8-byte header, then the bytes.
    const all = Buffer.concat(chunks);
    expect(all[0]).toBe(1);
    expect(all.subarray(8).toString()).toBe('exec-out\n');
    expect((await exec.inspect()).ExitCode).toBe(3);
    const logs = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    expect(logs.subarray(8).toString()).toBe('from-dockerode\n');
    const listed = await docker.listContainers({ filters: { name: ['dode'] } });
    expect(listed.map((c) => c.Names[0])).toEqual(['/dode']);
    await container.stop({ t: 5 });
    expect((await container.inspect()).State).toMatchObject({ Status: 'exited', ExitCode: 0 });
    await container.remove();
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('Testcontainers: a busybox httpd from the local image, waited for by log line and port, reached on 127.0.0.1, exec, stop', async () => {
    const saved = { ...process.env };
    // Testcontainers reads its settings from the environment when first used. Ryuk (its reaper) is an
    // image from Docker Hub, which this machine cannot reach: disabled, the test stops its container itself.
    // This machine is itself a Docker container (/.dockerenv), which makes Testcontainers look for the
    // gateway of Docker's `bridge` network to reach ports; the override says they are on 127.0.0.1.
    Object.assign(process.env, {
      DOCKER_HOST: `unix://${api.socket}`,
      TESTCONTAINERS_RYUK_DISABLED: 'true',
      TESTCONTAINERS_HOST_OVERRIDE: '127.0.0.1',
    });
    // Testcontainers leaves an empty lock file in the OS temp directory (Node's os.tmpdir() reads the real
    // environment, not Jest's copy): removed afterwards unless it was there before (another user's).
    const lockFile = join(tmpdir(), 'testcontainers-node.lock');
    const lockWasThere = existsSync(lockFile);
    try {
      const { GenericContainer, Wait } = await import('testcontainers');
      const container = await new GenericContainer('busybox')
        .withName('tc-httpd')
        .withCommand(['sh', '-c', 'mkdir -p /www && echo hello-testcontainers > /www/index.html && echo httpd-ready && exec httpd -f -p 8080 -h /www'])
        .withExposedPorts(8080)
        .withWaitStrategy(Wait.forAll([Wait.forLogMessage('httpd-ready'), Wait.forListeningPorts()]))
        .withStartupTimeout(60_000)
        .start();
      try {
        const port = container.getMappedPort(8080);
        expect(container.getHost()).toBe('127.0.0.1');
        expect(port).toBeGreaterThan(0);
        expect(await httpGet(`http://127.0.0.1:${port}/index.html`)).toBe('hello-testcontainers\n');
        // The same engine: the CLI lists the container Testcontainers made.
        expect(await sandbox.ok(['ps', '--format', '{{.Names}}'])).toContain('tc-httpd');
        const exec = await container.exec(['sh', '-c', 'cat /www/index.html; exit 4']);
        expect(exec).toMatchObject({ exitCode: 4, output: 'hello-testcontainers\n' });
      } finally {
        await container.stop({ timeout: 5 });
      }
      // stop() removes it (Testcontainers' default).
      expect(await sandbox.ok(['ps', '-a', '--format', '{{.Names}}'])).not.toContain('tc-httpd');
    } finally {
      process.env = saved;
      if (!lockWasThere) rmSync(lockFile, { force: true });
    }
  });
});
