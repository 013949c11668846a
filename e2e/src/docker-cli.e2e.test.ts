import { host, Sandbox, waitFor } from './harness';

/**
 * The Docker command line as scripts use it: `inspect` in Docker's JSON shape and `-f` templates. Every
 * expected output here is what `docker` prints for the same command (Docker's CLI reference).
 */

/** A 10.232.x.0/24 that no host route touches. */
function freeSubnet(): string {
  const routes = host('ip', ['-4', '-o', 'route', 'show', 'table', 'all']).stdout;
  for (let x = 100 + Math.floor(Math.random() * 100); x < 255; x++) if (!routes.includes(`10.232.${x}.`)) return `10.232.${x}.0/24`;
  throw new Error('no free subnet');
}

describe('docker inspect', () => {
  const sandbox = new Sandbox('dcli');
  const net = `dc${sandbox.tag}`.toLowerCase();
  const subnet = freeSubnet();
  const gateway = subnet.replace('.0/24', '.1');

  beforeAll(async () => {
    await sandbox.ok(['network', 'create', '--subnet', subnet, net]);
    await sandbox.ok(['run', '-d', '--name', 'web', '--net', net, '-m', '64m', '--cpus', '0.5', '-e', 'GREETING=hello world', '-v', `${sandbox.dir}:/hostdir:ro`, 'busybox', 'top']);
    await sandbox.ok(['run', '--name', 'done', 'busybox', 'sh', '-c', 'exit 3']).catch(() => undefined);
  });

  afterAll(async () => {
    await sandbox.run(['rm', '-f', 'web', 'done']);
    await sandbox.run(['network', 'rm', net]);
    expect(await sandbox.destroy()).toEqual([]);
  });

  it("prints a JSON array in Docker's shape, with 4-space indentation and no engine fields", async () => {
    const out = await sandbox.ok(['inspect', 'web']);
    expect(out.startsWith('[\n    {\n        "Id": "')).toBe(true);
    const [c] = JSON.parse(out);
    expect(c.Id).toMatch(/^[0-9a-f]{64}$/);
    expect(c.Name).toBe('/web');
    expect(c.Image).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(c.Path).toBe('top');
    expect(c.Args).toEqual([]);
    expect(c.State).toMatchObject({ Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, ExitCode: 0, Error: '', FinishedAt: '0001-01-01T00:00:00Z' });
    expect(c.State.Pid).toBeGreaterThan(1);
    // The PID is the container's top, seen from the host.
    expect(host('ps', ['-o', 'args=', '-p', String(c.State.Pid)]).stdout.trim()).toBe('top');
    expect(c.HostConfig).toMatchObject({ Memory: 67108864, NanoCpus: 500000000, CpuShares: 0, Privileged: false, ReadonlyRootfs: false, NetworkMode: net, AutoRemove: false, Binds: [`${sandbox.dir}:/hostdir:ro`] });
    expect(c.Mounts).toEqual([{ Type: 'bind', Source: sandbox.dir, Destination: '/hostdir', Mode: 'ro', RW: false, Propagation: 'rprivate' }]);
    expect(c.Config).toMatchObject({ Image: 'busybox', Cmd: ['top'], Entrypoint: null, WorkingDir: '/', Tty: false, OpenStdin: false });
    expect(c.Config.Env).toContain('GREETING=hello world');
    expect(c.NetworkSettings.Networks[net]).toMatchObject({ Gateway: gateway });
    expect(c.NetworkSettings.IPAddress).toBe(c.NetworkSettings.Networks[net].IPAddress);
    expect(Object.keys(c)).not.toEqual(expect.arrayContaining(['ext']));
    expect(out).not.toMatch(/"(ext|spec|createdAt|autoRemove)"/);
  });

  it('-f / --format evaluates Go templates as scripts use them', async () => {
    expect(await sandbox.ok(['inspect', '-f', '{{.State.Status}}', 'web'])).toBe('running\n');
    expect(await sandbox.ok(['inspect', '--format', '{{.State.Running}} {{.Name}}', 'web'])).toBe('true /web\n');
    expect(await sandbox.ok(['inspect', '-f', '{{range .Config.Env}}{{println .}}{{end}}', 'web'])).toMatch(/^PATH=.*\nGREETING=hello world\n\n$/);
    const ip = (await sandbox.ok(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, 'web'])).trim();
    expect(ip.startsWith(subnet.replace('0/24', ''))).toBe(true);
    expect(await sandbox.ok(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'web'])).toBe(`${ip}\n`);
    expect(await sandbox.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'web'])).toBe(`${ip}\n`);
    expect(JSON.parse(await sandbox.ok(['inspect', '-f', '{{json .State}}', 'web']))).toMatchObject({ Status: 'running' });
    expect(await sandbox.ok(['inspect', '-f', '{{if .State.Running}}up{{else}}down{{end}}', 'web', 'done'])).toBe('up\ndown\n');
    expect(await sandbox.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'done'])).toBe('exited 3\n');
    expect(await sandbox.ok(['inspect', '--type', 'container', '-f', '{{.HostConfig.Memory}}', 'web'])).toBe('67108864\n');
  });

  it('several names: prints the found ones, then "Error: No such object" and exit 1', async () => {
    const r = await sandbox.run(['inspect', '-f', '{{.Name}}', 'web', 'nosuch', 'done']);
    expect(r).toMatchObject({ code: 1, stdout: '/web\n/done\n', stderr: 'Error: No such object: nosuch\n' });
    const json = await sandbox.run(['inspect', 'nosuch']);
    expect(json).toMatchObject({ code: 1, stdout: '[]\n', stderr: 'Error: No such object: nosuch\n' });
    const typed = await sandbox.run(['inspect', '--type', 'container', 'nosuch']);
    expect(typed).toMatchObject({ code: 1, stderr: 'Error: No such container: nosuch\n' });
  });

  it('a bad template is one sentence and exit 1; an unknown --type is refused with 125', async () => {
    const bad = await sandbox.run(['inspect', '-f', '{{.State.Status', 'web']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^Error: template parsing error: [^\n]*\n$/);
    const fn = await sandbox.run(['inspect', '-f', '{{nosuch .Name}}', 'web']);
    expect(fn).toMatchObject({ code: 1, stderr: expect.stringContaining('function "nosuch" not defined') });
    const type = await sandbox.run(['inspect', '--type', 'bogus', 'web']);
    expect(type.code).toBe(125);
    expect(type.stderr).toMatch(/^Error: [^\n]*--type[^\n]*\n$/);
  });

  it('after stop, the state reads exited with the signal code and no address', async () => {
    await sandbox.ok(['stop', '-t', '1', 'web']);
    const [c] = JSON.parse(await sandbox.ok(['inspect', 'web']));
    expect(c.State).toMatchObject({ Status: 'exited', Running: false, Pid: 0 });
    expect(c.State.ExitCode).toBe(143);
    expect(c.State.FinishedAt).not.toBe('0001-01-01T00:00:00Z');
    expect(c.NetworkSettings.IPAddress).toBe('');
    await waitFor(() => sandbox.ok(['inspect', '-f', '{{.State.Status}}', 'web']), (s) => s === 'exited\n');
  });
});
