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
    await sandbox.ok([
      'run',
      '-d',
      '--name',
      'web',
      '--net',
      net,
      '-m',
      '64m',
      '--cpus',
      '0.5',
      '-e',
      'GREETING=hello world',
      '-v',
      `${sandbox.dir}:/hostdir:ro`,
      'busybox',
      'top',
    ]);
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
    expect(c.State).toMatchObject({
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      ExitCode: 0,
      Error: '',
      FinishedAt: '0001-01-01T00:00:00Z',
    });
    expect(c.State.Pid).toBeGreaterThan(1);
    // The PID is the container's top, seen from the host.
    expect(host('ps', ['-o', 'args=', '-p', String(c.State.Pid)]).stdout.trim()).toBe('top');
    expect(c.HostConfig).toMatchObject({
      Memory: 67108864,
      NanoCpus: 500000000,
      CpuShares: 0,
      Privileged: false,
      ReadonlyRootfs: false,
      NetworkMode: net,
      AutoRemove: false,
      Binds: [`${sandbox.dir}:/hostdir:ro`],
    });
    expect(c.LogPath).toMatch(/\/container\.log$/);
    expect(c.HostConfig.LogConfig).toMatchObject({ Type: 'k8s-file' });
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
    await waitFor(
      () => sandbox.ok(['inspect', '-f', '{{.State.Status}}', 'web']),
      (s) => s === 'exited\n',
    );
  });
});

/** Docker's HumanDuration for the first minute or two of a container's life. */
const DUR = '(Less than a second|1 second|\\d+ seconds|About a minute)';

describe('docker ps', () => {
  const sandbox = new Sandbox('dcps');
  const ids: Record<string, string> = {};
  const lines = (s: string) => s.split('\n').filter(Boolean);

  beforeAll(async () => {
    // Created in this order, so newest first is: ex3, ex0, up.
    ids.up = (await sandbox.ok(['run', '-d', '--name', 'up', 'busybox', 'sh', '-c', 'while true; do sleep 1; done'])).trim();
    await sandbox.run(['run', '--name', 'ex0', 'busybox', 'true']);
    await sandbox.run(['run', '--name', 'ex3', 'busybox', 'sh', '-c', 'exit 3']);
    for (const n of ['ex0', 'ex3']) ids[n] = (await sandbox.ok(['inspect', '-f', '{{.Id}}', n])).trim();
  });

  afterAll(async () => {
    await sandbox.run(['rm', '-f', 'up', 'ex0', 'ex3']);
    expect(await sandbox.destroy()).toEqual([]);
  });

  it("plain ps keeps the seed's columns and lists every container", async () => {
    const out = lines(await sandbox.ok(['ps']));
    expect(out[0]).toMatch(/^ID\s+NAME\s+PID\s+STATUS\s+COMMAND\s+CREATED$/);
    expect(out.slice(1).map((l) => l.split(/\s{2,}/)[1])).toEqual(['ex3', 'ex0', 'up']);
  });

  it("ps -a: Docker's columns and status words", async () => {
    const out = lines(await sandbox.ok(['ps', '-a']));
    expect(out[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    expect(out[1]).toMatch(new RegExp(`^${ids.ex3.slice(0, 12)}\\s+busybox\\s+"sh -c exit 3"\\s+${DUR} ago\\s+Exited \\(3\\) ${DUR} ago\\s+ex3$`));
    expect(out[2]).toMatch(/^[0-9a-f]{12}\s+busybox\s+"true"\s+.* ago\s+Exited \(0\) .* ago\s+ex0$/);
    expect(out[3]).toMatch(/^[0-9a-f]{12}\s+busybox\s+"sh -c while true; d…"\s+.* ago\s+Up (\d+ seconds?|Less than a second|About a minute)\s+up$/);
  });

  it('ps shows running containers only once a Docker flag is given; -q prints ids', async () => {
    expect(await sandbox.ok(['ps', '-q'])).toBe(`${ids.up.slice(0, 12)}\n`);
    expect(await sandbox.ok(['ps', '-a', '-q'])).toBe([ids.ex3, ids.ex0, ids.up].map((i) => `${i.slice(0, 12)}\n`).join(''));
    expect(await sandbox.ok(['ps', '-aq', '--no-trunc'])).toBe([ids.ex3, ids.ex0, ids.up].map((i) => `${i}\n`).join(''));
    expect(lines(await sandbox.ok(['ps', '--format', '{{.Names}}']))).toEqual(['up']);
  });

  it('-l, -n, --no-trunc', async () => {
    expect(await sandbox.ok(['ps', '-l', '--format', '{{.Names}}'])).toBe('ex3\n');
    expect(await sandbox.ok(['ps', '-n', '2', '--format', '{{.Names}}'])).toBe('ex3\nex0\n');
    const full = await sandbox.ok(['ps', '--no-trunc']);
    expect(full).toContain(ids.up);
    expect(full).toContain('"sh -c while true; do sleep 1; done"');
  });

  it('--filter name=, id=, status=, exited= as Docker', async () => {
    const names = async (...args: string[]) => lines(await sandbox.ok(['ps', ...args, '--format', '{{.Names}}']));
    expect(await names('--filter', 'status=exited')).toEqual(['ex3', 'ex0']);
    expect(await names('--filter', 'status=running')).toEqual(['up']);
    expect(await names('-a', '--filter', 'exited=3')).toEqual(['ex3']);
    expect(await names('-a', '--filter', 'name=ex')).toEqual(['ex3', 'ex0']);
    expect(await names('-a', '--filter', 'name=^up$')).toEqual(['up']);
    expect(await names('-a', '--filter', `id=${ids.ex0.slice(0, 6)}`)).toEqual(['ex0']);
    expect(await names('-a', '--filter', 'name=ex', '--filter', 'exited=0')).toEqual(['ex0']);
    expect(await names('-a', '--filter', 'status=exited', '--filter', 'status=running')).toEqual(['ex3', 'ex0', 'up']);
    expect(await names('-a', '--filter', 'before=ex3')).toEqual(['ex0', 'up']);
    expect(await names('-a', '--filter', 'since=up')).toEqual(['ex3', 'ex0']);
    expect(await names('-a', '--filter', 'ancestor=busybox')).toEqual(['ex3', 'ex0', 'up']);
    expect(await names('-a', '--filter', 'ancestor=otherimage')).toEqual([]);
    const noSuch = await sandbox.run(['ps', '--filter', 'before=nosuch']);
    expect(noSuch.code).toBe(125);
    expect(noSuch.stderr).toMatch(/^Error: [^\n]*nosuch[^\n]*\n$/);
    const bad = await sandbox.run(['ps', '--filter', 'color=red']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/^Error: Invalid filter "color=red"[^\n]*\n$/);
  });

  it('--format: table with headers, json, {{json .}}, State and Status', async () => {
    expect(await sandbox.ok(['ps', '-a', '--format', 'table {{.Names}}\\t{{.State}}'])).toBe(
      'NAMES   STATE\nex3     exited\nex0     exited\nup      running\n',
    );
    expect(await sandbox.ok(['ps', '-a', '--format', '{{.Names}}: {{.Status}}', '--filter', 'name=ex0'])).toMatch(
      new RegExp(`^ex0: Exited \\(0\\) ${DUR} ago\n$`),
    );
    const [row] = lines(await sandbox.ok(['ps', '--format', 'json'])).map((l) => JSON.parse(l));
    expect(row).toMatchObject({
      ID: ids.up.slice(0, 12),
      Image: 'busybox',
      Names: 'up',
      State: 'running',
      Command: '"sh -c while true; d…"',
      Networks: 'none',
      Ports: '',
    });
    expect(row.Status).toMatch(/^Up /);
    // The same row; only the clock-driven fields may have moved on by a second.
    const again = lines(await sandbox.ok(['ps', '--format', '{{json .}}'])).map((l) => JSON.parse(l));
    expect(again).toEqual([{ ...row, Status: expect.stringMatching(/^Up /), RunningFor: expect.stringMatching(/ ago$/) }]);
    expect(await sandbox.ok(['ps', '--filter', 'name=nomatch'])).toBe('CONTAINER ID   IMAGE   COMMAND   CREATED   STATUS   PORTS   NAMES\n');
    expect(await sandbox.ok(['ps', '-a', '--noheading', '--format', 'table {{.Names}}'])).toBe('ex3\nex0\nup\n');
    const bad = await sandbox.run(['ps', '--format', '{{.Names']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error: template parsing error: [^\n]*\n$/);
  });
});

describe('mydocker --help', () => {
  const sandbox = new Sandbox('dchelp');

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('lists every command the installed plugins add, grouped by package, and each one has its own --help', async () => {
    const out = await sandbox.ok(['--help']);
    const groups: Record<string, string[]> = {
      '@mydocker/cli': ['run', 'ps', 'stop', 'kill', 'rm', 'inspect', 'info', 'system', 'version', 'container'],
      '@mydocker/aufs-storage': ['volume', 'cp'],
      '@mydocker/images': ['images', 'rmi', 'import', 'load', 'save', 'export', 'commit', 'history', 'image', 'pull', 'push', 'tag', 'login', 'logout'],
      '@mydocker/cgroups': ['stats'],
      '@mydocker/logs': ['logs'],
      '@mydocker/namespaces': ['exec'],
      '@mydocker/network': ['network'],
    };
    for (const [pkg, commands] of Object.entries(groups)) {
      const section = out.split(`Commands from ${pkg}:\n`)[1]?.split('\n\n')[0];
      expect({ pkg, section: section !== undefined }).toEqual({ pkg, section: true });
      expect(section!.split('\n').map((l) => l.trim().split(/\s+/)[0])).toEqual(expect.arrayContaining(commands));
    }
    // Internal commands stay out of sight.
    expect(out).not.toMatch(/container-cleanup|container-record/);
    for (const command of Object.values(groups)
      .flat()
      .filter((c) => c !== 'version' && c !== 'container')) {
      const help = await sandbox.run([command, '--help']);
      expect({ command, code: help.code, options: /Options:/.test(help.stdout) }).toEqual({ command, code: 0, options: true });
    }
  });
});

describe('info and version --format', () => {
  const sandbox = new Sandbox('dcver');

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('evaluate the template instead of ignoring it', async () => {
    const version = (await sandbox.ok(['--version'])).trim();
    // Docker's plain layout: Client and Server sections.
    const plain = await sandbox.ok(['version']);
    expect(plain).toMatch(new RegExp(`^Client:\n Version: +${version.split(' ')[1].replace(/\./g, '\\.')}\n API version: +1\.43\n`));
    expect(plain).toMatch(/\n\nServer: mydocker Engine \(no daemon\)\n Engine:\n  Version: +\S+\n  API version: +1\.43 \(minimum version 1\.43\)\n/);
    expect(version).toMatch(/^mydocker \d+\.\d+\.\d+/);
    expect(await sandbox.ok(['version', '--format', '{{.Client.Version}}'])).toBe(`${version.split(' ')[1]}\n`);
    expect(await sandbox.ok(['version', '-f', '{{.Server.Os}}/{{.Server.ApiVersion}}'])).toBe('linux/1.43\n');
    expect(await sandbox.ok(['info', '--format', '{{.CgroupParent}}'])).toBe(`${sandbox.cgroupParent}\n`);
    expect(await sandbox.ok(['info', '-f', '{{.Root}}'])).toBe(`${sandbox.root}\n`);
    const bad = await sandbox.run(['version', '--format', '{{.Client.Version']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error: template parsing error: [^\n]*\n$/);
  });
});

describe('the container group', () => {
  const sandbox = new Sandbox('dcgrp');

  afterAll(async () => {
    await sandbox.run(['rm', '-f', 'g1']);
    expect(await sandbox.destroy()).toEqual([]);
  });

  it("runs Docker's container VERB names as the top-level commands", async () => {
    expect(await sandbox.ok(['container', 'ls', '-a'])).toBe('CONTAINER ID   IMAGE   COMMAND   CREATED   STATUS   PORTS   NAMES\n');
    await sandbox.ok(['container', 'run', '--name', 'g1', 'busybox', 'true']);
    expect(await sandbox.ok(['container', 'list', '-a', '--format', '{{.Names}}'])).toBe('g1\n');
    expect(await sandbox.ok(['container', 'inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'g1'])).toBe('exited 0\n');
    expect(await sandbox.ok(['container', 'rm', 'g1'])).toBe('g1\n');
    expect(await sandbox.ok(['container', 'ps', '-aq'])).toBe('');
    const help = await sandbox.ok(['container', '--help']);
    expect(
      help
        .split('Commands:\n')[1]
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ).toEqual(expect.arrayContaining(['ls', 'run', 'rm', 'inspect', 'logs', 'exec']));
    const unknown = await sandbox.run(['container', 'bogus']);
    expect(unknown).toMatchObject({
      code: 125,
      stdout: '',
      stderr: `Error: Unknown command "container bogus": run 'mydocker container --help' for the list.\n`,
    });
  });
});
