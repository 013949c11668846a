import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { oneClearSentence } from './hardening-util';
import { host, MYDOCKER_BIN, runProcess, Sandbox, waitFor, type Result } from './harness';

/**
 * Issue 12 and 13, the CLI's part: plugin discovery loads nothing from directories other users can
 * write, Node never reads mydocker's arguments as its own options, user input is echoed escaped, and
 * every error is one sentence with one "Error: " (a full or read-only disk included).
 */
const WORKSPACE = resolve(__dirname, '../..');
const NOBODY = 65534;

const expectOneSentence = (r: Result) => {
  expect({ stderr: r.stderr, problem: oneClearSentence(r.stderr) }).toEqual({ stderr: r.stderr, problem: undefined });
  expect(r.stderr).not.toMatch(/Error:.*Error:/);
};

function sh(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 180_000, env: { ...process.env, npm_config_loglevel: 'error' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A package.json and an index.js that leaves `marker` behind when it is ever loaded. */
function plantPackage(dir: string, name: string, marker: string, manifest: Record<string, unknown> = { mydocker: {} }): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '6.6.6', main: 'index.js', ...manifest }));
  writeFileSync(
    join(dir, 'index.js'),
    `require('fs').writeFileSync(${JSON.stringify(marker)}, 'loaded by pid ' + process.pid);\n` +
      `exports.default = class Planted { constructor() { this.name = ${JSON.stringify(name)}; } apply() {} };\n`,
  );
}

describe('plugin discovery in a packed install under a /tmp-like directory', () => {
  const sandbox = new Sandbox('cliplug');
  // A directory like /tmp: world-writable and sticky, the install made in it by root.
  const shared = join(sandbox.dir, 'shared');
  const install = join(shared, 'inst');
  const bin = join(install, 'node_modules/.bin/mydocker');
  const markers = join(sandbox.dir, 'markers');
  const marker = (name: string) => join(markers, name);
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runProcess(bin, args, { env: { ...sandbox.env, ...env } });

  beforeAll(() => {
    mkdirSync(markers, { recursive: true });
    mkdirSync(install, { recursive: true });
    chmodSync(shared, 0o1777);
    const packs = join(sandbox.dir, 'packs');
    mkdirSync(packs);
    const names = ['@mydocker/core', '@mydocker/cli', '@mydocker/namespaces', '@mydocker/state-store', '@mydocker/aufs-storage', '@mydocker/images'];
    const out = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packs, ...names.flatMap((n) => ['-w', n])], WORKSPACE);
    const tarballs = Object.fromEntries((JSON.parse(out) as { name: string; filename: string }[]).map((p) => [p.name, `file:${join(packs, p.filename)}`]));
    const direct = names.filter((n) => n !== '@mydocker/core');
    writeFileSync(
      join(install, 'package.json'),
      JSON.stringify({
        name: 'install-test',
        private: true,
        dependencies: Object.fromEntries(direct.map((n) => [n, tarballs[n]])),
        overrides: { '@mydocker/core': tarballs['@mydocker/core'] },
      }),
    );
    sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], install);

    // What another user could leave in /tmp/node_modules: a plugin by name, and the cgroups plugin this
    // install lacks, both owned by that user.
    const planted = join(shared, 'node_modules');
    plantPackage(join(planted, 'mydocker-evil'), 'mydocker-evil', marker('evil'));
    plantPackage(join(planted, '@mydocker/cgroups'), '@mydocker/cgroups', marker('cgroups'));
    plantPackage(join(planted, 'planted-dep'), 'planted-dep', marker('planted-dep'), {});
    spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, planted]);
  }, 300_000);

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('runs nothing planted above the install, on any command', async () => {
    for (const args of [['version'], ['ps'], ['info'], ['run', '--rm', '-m', '100m', 'busybox', 'true']]) await run(args);
    expect(['evil', 'cgroups', 'planted-dep'].filter((m) => existsSync(marker(m)))).toEqual([]);
    const info = await run(['info']);
    expect(info.code).toBe(0);
    expect(info.stdout).not.toMatch(/mydocker-evil|@mydocker\/cgroups/);
    // The planted cgroups plugin does not stand in for the missing one: the user is told to install it.
    const limited = await run(['run', '--rm', '-m', '100m', 'busybox', 'true']);
    expect(limited.code).toBe(125);
    expect(limited.stderr).toContain('npm install @mydocker/cgroups');
  });

  it('info shows the folder each plugin was loaded from, all inside the install', async () => {
    const out = (await run(['info'])).stdout;
    const plugins = [...out.matchAll(/^\s+\S+\s+(@mydocker\/[\w-]+)\s+\d+\.\d+\.\d+\s+(\S+)$/gm)].map((m) => [m[1], m[2]]);
    expect(plugins.sort()).toEqual(
      ['@mydocker/aufs-storage', '@mydocker/images', '@mydocker/namespaces', '@mydocker/state-store'].map((n) => [n, join(install, 'node_modules', n)]),
    );
  });

  it("keeps a plugin's optional dependency lookup inside the install", async () => {
    // A legitimate local plugin that tries an optional module, as plugins do; the install lacks it.
    const local = join(install, 'local/probe');
    mkdirSync(local, { recursive: true });
    writeFileSync(join(local, 'package.json'), JSON.stringify({ name: 'mydocker-probe', version: '1.0.0', main: 'index.js', mydocker: {} }));
    writeFileSync(
      join(local, 'index.js'),
      "let extra = 'absent';\ntry { require('planted-dep'); extra = 'found'; } catch {}\n" +
        "exports.default = class Probe { constructor() { this.name = 'probe-' + extra; } apply() {} };\n",
    );
    const config = join(sandbox.dir, 'probe.json');
    writeFileSync(config, JSON.stringify({ plugins: [local] }));
    const r = await run(['--config', config, 'info']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^\s+probe-absent\s+mydocker-probe\s+1\.0\.0\s+/m);
    expect(existsSync(marker('planted-dep'))).toBe(false);
  });

  it('refuses, in one sentence, a config plugin that another user owns or anyone can write', async () => {
    const owned = join(sandbox.dir, 'owned.json');
    writeFileSync(owned, JSON.stringify({ plugins: [join(shared, 'node_modules/mydocker-evil')] }));
    const r1 = await run(['--config', owned, 'ps']);
    expect(r1.code).toBe(125);
    expectOneSentence(r1);
    expect(r1.stderr).toMatch(
      /^Error: Refusing to load the plugin mydocker-evil named in the config from .*: .*\/shared\/node_modules is owned by uid 65534, not by root, so another user could replace the code/,
    );

    const open = join(sandbox.dir, 'open-plugins');
    plantPackage(join(open, 'p'), 'mydocker-open', marker('open'));
    chmodSync(open, 0o777);
    const openConfig = join(sandbox.dir, 'open.json');
    writeFileSync(openConfig, JSON.stringify({ plugins: [join(open, 'p')] }));
    const r2 = await run(['--config', openConfig, 'version']);
    expect(r2.code).toBe(125);
    expectOneSentence(r2);
    expect(r2.stderr).toContain(`${open} is writable by any user (mode 0777)`);
    expect(['evil', 'open'].filter((m) => existsSync(marker(m)))).toEqual([]);
  });
});

describe("the launcher: Node reads none of mydocker's arguments", () => {
  const sandbox = new Sandbox('clilaunch');
  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('passes every form of --env-file after the image to the command, as Docker does', async () => {
    // Node 20 takes any argument starting with --env-file, anywhere in its argv, unless `--` came first;
    // newer Node scans for --experimental-config-file the same way.
    const args = [
      '--env-file',
      '/nonexistent/x',
      '--env-file=/nonexistent/y',
      '--env-filez',
      '/nonexistent/z',
      '--env-file-if-exists=/nonexistent/w',
      '--experimental-config-file=/nonexistent/v',
      '--require',
      '/nonexistent/u',
    ];
    const r = await sandbox.run(['run', '--rm', 'busybox', 'echo', ...args]);
    expect(r).toEqual({ code: 0, stdout: `${args.join(' ')}\n`, stderr: '' });
  });

  it('never runs NODE_OPTIONS from an env file inside the CLI; the container gets the variable', async () => {
    const marker = join(sandbox.dir, 'ran-as-root');
    const hook = join(sandbox.dir, 'hook.js');
    writeFileSync(hook, `require('fs').writeFileSync(${JSON.stringify(marker)}, String(process.pid));\n`);
    const envFile = join(sandbox.dir, 'node-options.env');
    writeFileSync(envFile, `NODE_OPTIONS=--require ${hook}\n`);
    const after = await sandbox.run(['run', '--rm', 'busybox', 'echo', '--env-file', envFile]);
    expect(after).toEqual({ code: 0, stdout: `--env-file ${envFile}\n`, stderr: '' });
    const before = await sandbox.run(['run', '--rm', '--env-file', envFile, 'busybox', 'sh', '-c', 'echo "$NODE_OPTIONS"']);
    expect(before).toEqual({ code: 0, stdout: `--require ${hook}\n`, stderr: '' });
    const detached = (await sandbox.ok(['run', '-d', '--env-file', envFile, 'busybox', 'true'])).trim();
    // The monitor's clean-up command (a second CLI process) goes through the same `--`.
    await waitFor(
      () => sandbox.run(['container-record', detached]),
      (r) => /"Status": "stopped"/.test(r.stdout) || /"status": "stopped"/.test(r.stdout),
    );
    await sandbox.ok(['rm', detached]);
    expect(existsSync(marker)).toBe(false);
  });

  it("answers a Node option given to mydocker itself with mydocker's own sentence", async () => {
    for (const args of [
      ['--env-file', '/nonexistent', 'ps'],
      ['ps', '--env-file', '/nonexistent'],
      ['--require', '/nonexistent', 'version'],
    ]) {
      const r = await sandbox.run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 125 });
      expectOneSentence(r);
      expect(r.stderr).not.toMatch(/^node:/m);
    }
  });

  it('stops quietly with 141 when its reader goes away, as a Unix tool killed by SIGPIPE does', () => {
    // The reader exits before mydocker writes: the write fails with EPIPE.
    const r = spawnSync('bash', ['-c', `${MYDOCKER_BIN} --help | (exec 0<&-; sleep 0.5); echo "status=\${PIPESTATUS[0]}"`], {
      env: sandbox.env,
      encoding: 'utf8',
    });
    expect({ stdout: r.stdout, stderr: r.stderr }).toEqual({ stdout: 'status=141\n', stderr: '' });
  });

  it('refuses a missing, directory, device or binary env file in one sentence, exit 125', async () => {
    const cases: [string, RegExp][] = [
      [join(sandbox.dir, 'missing.env'), /^Error: The env file ".*missing\.env" does not exist\.\n$/],
      [sandbox.dir, /^Error: The env file ".*" is a directory: give a file of KEY=VALUE lines\.\n$/],
      ['/dev/zero', /^Error: The env file "\/dev\/zero" is a device, not a file of KEY=VALUE lines\.\n$/],
      [process.execPath, /^Error: The env file ".*" is not a text file \(line 1 holds a NUL byte\): give a file of KEY=VALUE lines\.\n$/],
    ];
    const before = (await sandbox.ok(['ps', '-a', '-q'])).trim();
    for (const [file, message] of cases) {
      const r = await sandbox.run(['run', '--rm', '--env-file', file, 'busybox', 'true']);
      expect({ file, code: r.code, stdout: r.stdout }).toEqual({ file, code: 125, stdout: '' });
      expect(r.stderr).toMatch(message);
    }
    expect((await sandbox.ok(['ps', '-a', '-q'])).trim()).toBe(before);
  });
});

describe('user input in errors is echoed escaped', () => {
  const sandbox = new Sandbox('cliesc');
  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('prints newlines, escape sequences and other control bytes as escapes, on one line', async () => {
    const nasty = 'a\nb\x1b[2K\rc\x07';
    const escaped = 'a\\nb\\x1b[2K\\rc\\x07';
    const envFile = join(sandbox.dir, 'ctl.env');
    writeFileSync(envFile, `OK=1\nBAD${'\x1b'}[31mKEY=1\n`);
    const cases: [string[], string][] = [
      [['run', '--rm', '--name', nasty, 'busybox', 'true'], escaped],
      [['run', '--rm', '--hostname', nasty, 'busybox', 'true'], escaped],
      [['run', '--rm', '--env-file', envFile, 'busybox', 'true'], 'BAD\\x1b[31mKEY=1'],
      [['run', '--rm', '-e', `${nasty}=1`, 'busybox', 'true'], escaped],
      [['rm', nasty], escaped],
      [['inspect', nasty], escaped],
    ];
    for (const [args, shown] of cases) {
      const r = await sandbox.run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 125 });
      expectOneSentence(r);
      expect(r.stderr).toContain(shown);
      // Nothing but the final newline may be a control byte.
      // eslint-disable-next-line no-control-regex -- control characters are what must not reach the terminal
      expect(r.stderr.slice(0, -1)).not.toMatch(/[\x00-\x1f\x7f]/);
    }
  });
});

describe('errors on a full and on a read-only disk', () => {
  // No default network: its state would live on the tmpfs root, which goes before `destroy` could prune it
  // (that left one bridge and its iptables chains per suite run).
  const sandbox = new Sandbox('clidisk', { defaultNetwork: 'none' });
  const mounted = () => readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${sandbox.root} `);

  beforeAll(async () => {
    mkdirSync(sandbox.root, { recursive: true });
    const r = host('mount', ['-t', 'tmpfs', '-o', 'size=40m', 'tmpfs', sandbox.root]);
    if (r.code !== 0) throw new Error(`mount tmpfs: ${r.stderr}`);
    // The default image is built on first use; build it while there is room.
    await sandbox.ok(['run', '--rm', 'busybox', 'true']);
  });

  afterAll(async () => {
    host('mount', ['-o', 'remount,rw', sandbox.root]);
    rmSync(join(sandbox.root, 'filler'), { force: true });
    const ids = (await sandbox.run(['ps', '-a', '-q'])).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await sandbox.run(['rm', '-f', '-v', ...ids]);
    if (mounted()) host('umount', [sandbox.root]);
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('commit that fills the disk says "no space left on" the file system, once, exit 125', async () => {
    await sandbox.ok(['run', '-d', '--name', 'big', 'busybox', 'sleep', '300']);
    try {
      // 24 MB in the container's layer, then commit copies it: more than the 40 MB file system holds.
      await sandbox.ok(['exec', 'big', 'dd', 'if=/dev/zero', 'of=/fill', 'bs=1M', 'count=24']);
      const r = await sandbox.run(['commit', 'big', 'big-snapshot']);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 125, stdout: '' });
      expectOneSentence(r);
      expect(r.stderr).toMatch(new RegExp(`^Error: No space left on ${sandbox.root}( \\(writing [^)]+\\))?: free space and retry\\.\\n$`));
    } finally {
      // A container left running would hold the file system busy for the tests after this one.
      await sandbox.run(['rm', '-f', 'big']);
    }
  });

  it('run on a full disk is one sentence, exit 125', async () => {
    // Fill what is left (dd stops at ENOSPC).
    host('dd', ['if=/dev/zero', `of=${join(sandbox.root, 'filler')}`, 'bs=1M', 'count=64']);
    const r = await sandbox.run(['run', '--rm', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expectOneSentence(r);
    // Whether or not the failed call named a file, the full file system is named (not "the device").
    expect(r.stderr).toMatch(new RegExp(`^Error: No space left on ${sandbox.root}( \\(writing [^)]+\\))?: free space and retry\\.\\n$`));
    rmSync(join(sandbox.root, 'filler'));
  });

  it('run on a read-only root is one sentence without a stack trace, exit 125', async () => {
    const remount = host('mount', ['-o', 'remount,ro', sandbox.root]);
    expect(remount.code).toBe(0);
    try {
      const r = await sandbox.run(['run', '--rm', 'busybox', 'true']);
      expect(r.code).toBe(125);
      expectOneSentence(r);
      expect(r.stderr).toMatch(/read-only/i);
    } finally {
      host('mount', ['-o', 'remount,rw', sandbox.root]);
    }
  });
});
