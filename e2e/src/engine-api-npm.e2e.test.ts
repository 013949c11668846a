import { ApiService } from './engine-api-harness';
import { Sandbox } from './harness';

/**
 * The npm clients of the Docker Engine API, unchanged, against `mydocker system service`: dockerode (the
 * Node client most tools build on). Testcontainers for Node needs Docker's default `bridge` network and
 * `-p CONTAINER_PORT` (any free host port), which the network plugin does not offer yet.
 */
describe('Engine API: dockerode', () => {
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
});
