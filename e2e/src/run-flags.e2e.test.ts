import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './harness';

/**
 * Run flags owned by the storage and logs plugins (issue 15), and the bugs found with them, written from
 * Docker's CLI reference (docker run --label/--mount/--tmpfs/-v/--log-driver, volume create/prune, cp -)
 * including its refusals and exit codes.
 */
const sandbox = new Sandbox('runflags', { defaultNetwork: 'none' });

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

async function inspect(name: string, template: string): Promise<string> {
  return (await sandbox.ok(['inspect', '-f', template, name])).trim();
}

/** A refusal: Docker's exit code, one sentence, and no container or volume left by it. */
async function refused(args: string[], message: RegExp, code = 125): Promise<void> {
  const before = await sandbox.ok(['ps', '-aq']);
  const volumes = await sandbox.ok(['volume', 'ls', '-q']);
  const r = await sandbox.run(args);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr: expect.stringMatching(message) });
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(await sandbox.ok(['ps', '-aq'])).toBe(before);
  expect(await sandbox.ok(['volume', 'ls', '-q'])).toBe(volumes);
}

describe('--label, --label-file', () => {
  it('sets Config.Labels, and ps --filter label= finds the container by key or key=value', async () => {
    const file = join(sandbox.dir, 'labels');
    writeFileSync(file, '# from the reference\ncom.example.label1=a label\ncom.example.label2=another\n');
    await sandbox.ok([
      'run',
      '--name',
      'lab',
      '--label',
      'com.example.foo=bar',
      '-l',
      'bar',
      '--label-file',
      file,
      '--label',
      'com.example.label2=override',
      'busybox',
      'true',
    ]);
    expect(JSON.parse(await inspect('lab', '{{json .Config.Labels}}'))).toEqual({
      'com.example.label1': 'a label',
      'com.example.label2': 'override',
      'com.example.foo': 'bar',
      bar: '',
    });
    await sandbox.ok(['run', '--name', 'other', 'busybox', 'true']);
    expect(await sandbox.ok(['ps', '-a', '--filter', 'label=com.example.foo=bar', '--format', '{{.Names}}'])).toBe('lab\n');
    expect(await sandbox.ok(['ps', '-a', '--filter', 'label=bar', '--format', '{{.Names}} {{.Label "com.example.label1"}}'])).toBe('lab a label\n');
    expect(await sandbox.ok(['ps', '-a', '--filter', 'label=com.example.foo=baz', '-q'])).toBe('');
    await sandbox.ok(['rm', 'lab', 'other']);
  });

  it('refuses a missing label file and an empty key', async () => {
    await refused(['run', '--rm', '--label-file', join(sandbox.dir, 'nope'), 'busybox', 'true'], /The label file .* does not exist/);
    await refused(['run', '--rm', '--label', '=x', 'busybox', 'true'], /Invalid label "=x"/);
  });
});

describe('--mount, --tmpfs and -v options', () => {
  it('--mount type=bind,readonly and bind-propagation; inspect shows Mounts and HostConfig.Mounts', async () => {
    const host = join(sandbox.dir, 'site');
    mkdirSync(host, { recursive: true });
    writeFileSync(join(host, 'index.html'), 'hello\n');
    const r = await sandbox.run([
      'run',
      '--name',
      'mnt',
      '--mount',
      `type=bind,source=${host},target=/usr/share/nginx/html,readonly`,
      '--mount',
      `type=bind,"src=${host}",dst=/shared,bind-propagation=rshared`,
      'busybox',
      'sh',
      '-c',
      'cat /usr/share/nginx/html/index.html; touch /usr/share/nginx/html/x || echo refused; grep " /shared " /proc/self/mountinfo',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hello\nrefused\n.* \/shared rw,.* shared:\d+ /);
    expect(existsSync(join(host, 'x'))).toBe(false);
    expect(JSON.parse(await inspect('mnt', '{{json .Mounts}}'))).toEqual([
      { Type: 'bind', Source: host, Destination: '/usr/share/nginx/html', Mode: '', RW: false, Propagation: 'rprivate' },
      { Type: 'bind', Source: host, Destination: '/shared', Mode: '', RW: true, Propagation: 'rshared' },
    ]);
    expect(JSON.parse(await inspect('mnt', '{{json .HostConfig.Mounts}}'))).toEqual([
      { Type: 'bind', Source: host, Target: '/usr/share/nginx/html', ReadOnly: true },
      { Type: 'bind', Source: host, Target: '/shared', BindOptions: { Propagation: 'rshared' } },
    ]);
    expect(await inspect('mnt', '{{json .HostConfig.Binds}}')).toBe('null');
    await sandbox.ok(['rm', 'mnt']);
  });

  it('--mount type=volume (named and anonymous) and type=tmpfs with tmpfs-size and tmpfs-mode', async () => {
    const out = await sandbox.ok([
      'run',
      '--rm',
      '--mount',
      'source=mvol,target=/data',
      '--mount',
      'type=volume,target=/anon,volume-nocopy',
      '--mount',
      'type=tmpfs,destination=/app,tmpfs-size=2m,tmpfs-mode=1770',
      'busybox',
      'sh',
      '-c',
      'echo kept > /data/f; grep " /app " /proc/mounts; stat -c %a /app',
    ]);
    expect(out).toMatch(/^tmpfs \/app tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k,mode=1770 0 0\n1770\n$/);
    expect(await sandbox.ok(['run', '--rm', '-v', 'mvol:/d', 'busybox', 'cat', '/d/f'])).toBe('kept\n');
    // The anonymous volume went with the --rm container; the named one stays.
    expect(await sandbox.ok(['volume', 'ls', '-q'])).toBe('mvol\n');
    await sandbox.ok(['volume', 'rm', 'mvol']);
  });

  it("--tmpfs PATH[:OPTIONS]: Docker's noexec,nosuid,nodev unless overridden; HostConfig.Tmpfs; not in Mounts", async () => {
    await sandbox.ok([
      'run',
      '--name',
      'tmp',
      '--tmpfs',
      '/run:rw,size=65536k',
      '--tmpfs',
      '/exec:exec,mode=1777',
      'busybox',
      'sh',
      '-c',
      'grep -E " /(run|exec) " /proc/mounts > /run/m; cat /run/m',
    ]);
    const mounts = await sandbox.ok(['logs', 'tmp']);
    expect(mounts).toMatch(/^tmpfs \/run tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0$/m);
    expect(mounts).toMatch(/^tmpfs \/exec tmpfs rw,nosuid,nodev,relatime(,inode64)? 0 0$/m);
    expect(JSON.parse(await inspect('tmp', '{{json .HostConfig.Tmpfs}}'))).toEqual({ '/run': 'rw,size=65536k', '/exec': 'exec,mode=1777' });
    expect(await inspect('tmp', '{{json .Mounts}}')).toBe('[]');
    await sandbox.ok(['rm', 'tmp']);
  });

  it('-v with :z, :Z, ro,Z and propagation options is accepted (no SELinux here: z/Z change nothing)', async () => {
    const host = join(sandbox.dir, 'zdir');
    mkdirSync(host, { recursive: true });
    writeFileSync(join(host, 'f'), 'z\n');
    const out = await sandbox.ok([
      'run',
      '--name',
      'zz',
      '-v',
      `${host}:/a:z`,
      '-v',
      `${host}:/b:ro,Z`,
      '-v',
      `${host}:/c:rslave`,
      'busybox',
      'sh',
      '-c',
      'cat /a/f /b/f; touch /b/x || echo ro',
    ]);
    expect(out).toBe('z\nz\nro\n');
    const mounts = JSON.parse(await inspect('zz', '{{json .Mounts}}')) as Array<{ Destination: string; Mode: string; RW: boolean; Propagation: string }>;
    expect(mounts.map((m) => [m.Destination, m.Mode, m.RW, m.Propagation])).toEqual([
      ['/a', 'z', true, 'rprivate'],
      ['/b', 'ro,Z', false, 'rprivate'],
      ['/c', 'rslave', true, 'rslave'],
    ]);
    expect(JSON.parse(await inspect('zz', '{{json .HostConfig.Binds}}'))).toEqual([`${host}:/a:z`, `${host}:/b:ro,Z`, `${host}:/c:rslave`]);
    await sandbox.ok(['rm', 'zz']);
  });

  it('refuses bad --mount, --tmpfs and -v options with 125 and makes nothing', async () => {
    const missing = join(sandbox.dir, 'no-such-dir');
    await refused(['run', '--rm', '--mount', `type=bind,source=${missing},target=/x`, 'busybox', 'true'], /bind source path does not exist/);
    expect(existsSync(missing)).toBe(false);
    await refused(['run', '--rm', '--mount', 'type=bind,source=/tmp', 'busybox', 'true'], /target is required/);
    await refused(['run', '--rm', '--mount', 'type=volume,source=v,target=/x,foo', 'busybox', 'true'], /invalid field 'foo' must be a key=value pair/);
    await refused(
      ['run', '--rm', '--mount', 'type=volume,target=/x,tmpfs-size=1m', 'busybox', 'true'],
      /cannot mix 'tmpfs-\*' options with mount type 'volume'/,
    );
    await refused(['run', '--rm', '--mount', 'type=tmpfs,source=foo,target=/x', 'busybox', 'true'], /field Source must not be specified/);
    await refused(['run', '--rm', '--mount', 'type=volume,source=newvol,target=/x', '--tmpfs', '/x', 'busybox', 'true'], /Duplicate mount point: \/x/);
    await refused(['run', '--rm', '--tmpfs', '/run:bogus', 'busybox', 'true'], /unknown option "bogus"/);
    await refused(['run', '--rm', '--tmpfs', '/proc/sys', 'busybox', 'true'], /inside \/proc/);
    await refused(['run', '--rm', '-v', '/tmp:/x:ro,rw', 'busybox', 'true'], /more than one rw\/ro/);
    await refused(['run', '--rm', '-v', 'vol:/x:shared', 'busybox', 'true'], /applies to bind mounts/);
  });
});

describe('--log-driver, --log-opt', () => {
  it("json-file writes Docker's JSON lines, which logs reads; inspect shows the driver", async () => {
    await sandbox.ok(['run', '--name', 'jl', '--log-driver', 'json-file', '--log-opt', 'max-size=10m', 'busybox', 'sh', '-c', 'echo out; echo "q\\"uote" >&2']);
    expect(await sandbox.ok(['logs', 'jl'])).toBe('out\n');
    const r = await sandbox.run(['logs', 'jl']);
    expect(r.stderr).toBe('q"uote\n');
    const path = await inspect('jl', '{{.LogPath}}');
    expect(path).toMatch(/-json\.log$/);
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { log: 'out\n', stream: 'stdout', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/) },
      { log: 'q"uote\n', stream: 'stderr', time: expect.any(String) },
    ]);
    expect(JSON.parse(await inspect('jl', '{{json .HostConfig.LogConfig}}'))).toEqual({
      Type: 'json-file',
      Config: { 'max-size': '10485760', 'max-file': '3' },
    });
    await sandbox.ok(['rm', 'jl']);
    expect(existsSync(path)).toBe(false);
  });

  it("none keeps nothing: logs says Docker's sentence with exit code 1", async () => {
    expect(await sandbox.ok(['run', '--name', 'nolog', '--log-driver', 'none', 'busybox', 'echo', 'shown'])).toBe('shown\n');
    const r = await sandbox.run(['logs', 'nolog']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'Error: configured logging driver does not support reading\n' });
    expect(await inspect('nolog', '{{json .HostConfig.LogConfig}} [{{.LogPath}}]')).toBe('{"Type":"none","Config":{}} []');
    await sandbox.ok(['rm', 'nolog']);
  });

  it('k8s-file with --log-opt path= writes there (the file stays the user’s after rm)', async () => {
    const file = join(sandbox.dir, 'ctr.log');
    await sandbox.ok(['run', '--name', 'pl', '--log-driver', 'k8s-file', '--log-opt', `path=${file}`, 'busybox', 'echo', 'to-path']);
    expect(readFileSync(file, 'utf8')).toMatch(/^\S+ stdout F to-path\n$/);
    expect(await sandbox.ok(['logs', 'pl'])).toBe('to-path\n');
    expect(JSON.parse(await inspect('pl', '{{json .HostConfig.LogConfig.Config}}'))).toMatchObject({ path: file });
    await sandbox.ok(['rm', 'pl']);
    expect(existsSync(file)).toBe(true);
  });

  it('refuses an unknown driver and options the driver does not take', async () => {
    await refused(['run', '--rm', '--log-driver', 'syslog', 'busybox', 'true'], /Unknown log driver "syslog"/);
    await refused(['run', '--rm', '--log-driver', 'none', '--log-opt', 'max-size=1m', 'busybox', 'true'], /takes no --log-opt/);
    await refused(['run', '--rm', '--log-driver', 'json-file', '--log-opt', 'path=/tmp/x.log', 'busybox', 'true'], /Unknown log opt "path"/);
    await refused(['run', '--rm', '--log-opt', `path=${join(sandbox.dir, 'nodir', 'x.log')}`, 'busybox', 'true'], /does not exist/);
  });
});

describe('volume create --label/-o, volume prune', () => {
  it('labels and the local driver’s tmpfs and bind options, as inspect shows and containers see them', async () => {
    const device = join(sandbox.dir, 'device');
    mkdirSync(device);
    writeFileSync(join(device, 'on-host'), 'host\n');
    expect(await sandbox.ok(['volume', 'create', '--label', 'env=prod', '--label', 'team', 'labelled'])).toBe('labelled\n');
    await sandbox.ok(['volume', 'create', '--driver', 'local', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=100m,uid=1000', 'tmpvol']);
    await sandbox.ok(['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', `device=${device}`, 'bindvol']);
    const [labelled, tmpvol] = JSON.parse(await sandbox.ok(['volume', 'inspect', 'labelled', 'tmpvol']));
    // Options {} (not dockerd's null): the swagger's Volume requires an object there (engine-api README).
    expect(labelled).toMatchObject({ Name: 'labelled', Driver: 'local', Labels: { env: 'prod', team: '' }, Options: {} });
    expect(tmpvol).toMatchObject({ Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=100m,uid=1000' } });
    const out = await sandbox.ok([
      'run',
      '--rm',
      '-v',
      'tmpvol:/t',
      '-v',
      'bindvol:/b',
      'busybox',
      'sh',
      '-c',
      'grep " /t " /proc/mounts; cat /b/on-host; echo new > /b/from-ctr',
    ]);
    expect(out).toMatch(/^tmpfs \/t tmpfs rw,nosuid,nodev,relatime,size=102400k,uid=1000(,inode64)? 0 0\nhost\n$/);
    expect(readFileSync(join(device, 'from-ctr'), 'utf8')).toBe('new\n');
  });

  it('refuses options the local driver does not have, and other drivers', async () => {
    await refused(['volume', 'create', '-o', 'size=1g', 'v'], /Invalid volume option key "size"/);
    await refused(['volume', 'create', '-o', 'type=ext4', '-o', 'device=/dev/sdz9', 'v'], /not supported/);
    await refused(['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', 'device=/no/such/dir', 'v'], /not an existing directory/);
    await refused(['volume', 'create', '--driver', 'rexray', 'v'], /volume driver "rexray" is not installed/);
  });

  it('prune asks first; -f removes unused anonymous volumes; -a the named ones too; --filter label=', async () => {
    await sandbox.ok(['run', '--name', 'user', '-v', '/used-anon', '-v', 'labelled:/l', 'busybox', 'true']);
    await sandbox.ok(['run', '--name', 'gone', '-v', '/unused-anon', 'busybox', 'true']);
    await sandbox.ok(['rm', 'gone']);
    const names = async () => (await sandbox.ok(['volume', 'ls', '-q'])).split('\n').filter(Boolean);
    const before = await names();
    expect(before).toHaveLength(5); // used-anon, unused-anon, labelled, tmpvol, bindvol
    const declined = await sandbox.run(['volume', 'prune'], { input: 'n\n' });
    expect(declined).toMatchObject({
      code: 0,
      stdout: 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ',
    });
    expect(await names()).toEqual(before);
    const pruned = await sandbox.ok(['volume', 'prune', '-f']);
    expect(pruned).toMatch(/^Deleted Volumes:\n[0-9a-f]{64}\n\nTotal reclaimed space: \d+(\.\d+)?k?B\n$/);
    expect(await names()).toHaveLength(4);
    expect(await sandbox.ok(['volume', 'prune', '-a', '-f', '--filter', 'label=env=prod'])).toBe('Total reclaimed space: 0B\n'); // in use
    expect(await sandbox.ok(['volume', 'prune', '--all', '--force', '--filter', 'label!=env'])).toBe(
      'Deleted Volumes:\nbindvol\ntmpvol\n\nTotal reclaimed space: 0B\n',
    );
    await refused(['volume', 'prune', '-f', '--filter', 'until=1h'], /Invalid filter 'until'/, 1);
    await sandbox.ok(['rm', '-v', 'user']);
    await sandbox.ok(['volume', 'prune', '-af']);
    expect(await names()).toEqual([]);
  });
});

describe('cp bugs', () => {
  beforeAll(async () => {
    await sandbox.ok(['run', '-d', '--name', 'cpbox', 'busybox', 'sleep', '300']);
  });
  afterAll(async () => {
    await sandbox.ok(['rm', '-f', 'cpbox']);
  });

  it('cp - CONTAINER:DIR extracts the tar read from stdin (not the current directory)', async () => {
    const src = join(sandbox.dir, 'tarsrc');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'from tar\n');
    writeFileSync(join(src, 'sub', 'b'), 'b\n');
    const tar = spawnSync('tar', ['-C', src, '--owner=7', '--group=8', '-cf', '-', 'a.txt', 'sub']).stdout;
    // The current directory holds something else: it must not be what arrives.
    const r = await sandbox.run(['cp', '-', 'cpbox:/tmp'], { input: tar as unknown as string, cwd: join(sandbox.dir, 'tarsrc', 'sub') });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(await sandbox.ok(['exec', 'cpbox', 'sh', '-c', 'ls /tmp; cat /tmp/a.txt /tmp/sub/b; stat -c %u:%g /tmp/a.txt'])).toBe(
      'a.txt\nsub\nfrom tar\nb\n7:8\n',
    );
  });

  it('cp CONTAINER:PATH - writes a tar to stdout', async () => {
    const r = spawnSync('sh', ['-c', `"$0" cp cpbox:/tmp/sub - | tar -tvf -`, require('./harness').MYDOCKER_BIN], { env: sandbox.env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^d\S+ \S+ +0 .* sub\/\n-\S+ \S+ +2 .* sub\/b\n$/);
  });

  it('cp - refuses a destination that is missing or not a directory, and input that is no tar', async () => {
    const tar = spawnSync('tar', ['-C', sandbox.dir, '-cf', '-', 'tarsrc/a.txt']).stdout as unknown as string;
    expect(await sandbox.run(['cp', '-', 'cpbox:/nonexist'], { input: tar })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error: Could not find the file /nonexist in container cpbox\n',
    });
    expect(await sandbox.run(['cp', '-', 'cpbox:/etc/hostname'], { input: tar })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error: destination "cpbox:/etc/hostname" must be a directory\n',
    });
    const bad = await sandbox.run(['cp', '-', 'cpbox:/tmp'], { input: 'not a tar\n' });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/^Error: The input of "cp -" is not a tar archive/);
    expect(await sandbox.run(['cp', '', 'cpbox:/tmp'])).toMatchObject({ code: 125, stderr: 'Error: The source can not be empty.\n' });
    expect(existsSync(join(sandbox.root, 'tmp')) ? require('node:fs').readdirSync(join(sandbox.root, 'tmp')) : []).toEqual([]);
  });

  it("a container file onto a host directory of its name: Docker's sentence and exit 1, no EISDIR stack", async () => {
    const out = join(sandbox.dir, 'cpout');
    mkdirSync(join(out, 'hostname'), { recursive: true });
    // An explicit directory destination: copied into it, as Docker does.
    await sandbox.ok(['cp', 'cpbox:/etc/hostname', join(out, 'hostname')]);
    expect(readFileSync(join(out, 'hostname', 'hostname'), 'utf8')).toMatch(/^[0-9a-f]{12}\n$/);
    // Into the parent, where a directory already has the file's name: refused.
    const r = await sandbox.run(['cp', 'cpbox:/etc/hostname', '.'], { cwd: out });
    expect(r).toEqual({ code: 1, stdout: '', stderr: `Error: cannot overwrite directory "${join(out, 'hostname')}" with non-directory "${out}"\n` });
  });
});

describe("Docker's defaults", () => {
  it('the host name is the short id unless --hostname is given', async () => {
    const id = (await sandbox.ok(['run', '-d', '--name', 'hn', 'busybox', 'sh', '-c', 'hostname; cat /etc/hostname'])).trim();
    await sandbox.ok(['wait', 'hn']);
    expect(await sandbox.ok(['logs', 'hn'])).toBe(`${id.slice(0, 12)}\n${id.slice(0, 12)}\n`);
    expect(await inspect('hn', '{{.Config.Hostname}}')).toBe(id.slice(0, 12));
    await sandbox.ok(['rm', 'hn']);
    expect(await sandbox.ok(['run', '--rm', '--hostname', 'web01', 'busybox', 'hostname'])).toBe('web01\n');
  });

  it("root's supplementary groups are Docker's: the primary gid first, then the groups /etc/group gives the user", async () => {
    expect(await sandbox.ok(['run', '--rm', 'busybox', 'id'])).toBe('uid=0(root) gid=0(root) groups=0(root)\n');
    const group = join(sandbox.dir, 'group');
    // busybox's own image lists root in wheel: Docker shows groups=0(root),10(wheel) there.
    writeFileSync(group, 'root:x:0:\ndaemon:x:1:\nwheel:x:10:root\nvideo:x:27:root,other\n');
    expect(await sandbox.ok(['run', '--rm', '-v', `${group}:/etc/group:ro`, 'busybox', 'id'])).toBe(
      'uid=0(root) gid=0(root) groups=0(root),10(wheel),27(video)\n',
    );
    // A group given with --user replaces them (runc's GetExecUser), and still comes first.
    expect(await sandbox.ok(['run', '--rm', '-v', `${group}:/etc/group:ro`, '-u', '0:27', 'busybox', 'id'])).toBe(
      'uid=0(root) gid=27(video) groups=27(video)\n',
    );
  });

  it('ps -s: the SIZE column, the container layer and the virtual size with the image', async () => {
    await sandbox.ok(['run', '--name', 'sized', 'busybox', 'sh', '-c', 'printf 1234567890 > /ten']);
    const out = await sandbox.ok(['ps', '-a', '-s', '--filter', 'name=sized']);
    const [header, row] = out.trim().split('\n');
    expect(header).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\s+SIZE$/);
    expect(row).toMatch(/\ssized\s+\d+B \(virtual \d+(\.\d+)?[kM]B\)$/);
    const size = Number(/(\d+)B \(virtual/.exec(row)![1]);
    expect(size).toBeGreaterThanOrEqual(10);
    expect(await sandbox.ok(['ps', '-a', '--filter', 'name=sized', '--format', '{{.Size}}'])).toMatch(/^\d+B \(virtual \S+\)\n$/);
    await sandbox.ok(['rm', 'sized']);
  });
});
