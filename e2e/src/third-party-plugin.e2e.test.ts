import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runProcess, Sandbox } from './harness';
import { installTarballs, packWorkspaces, type Packed } from './npm-install';

/**
 * Issue 16: a plugin written outside the engine adds a flag and taps the lifecycle with no change to core
 * or the CLI. examples/audit-log is packed with `npm pack` and installed from its tarball next to the
 * CLI's, as a user installs a plugin (`npm install mydocker-audit-log`); discovery finds it by its
 * `mydocker` key, and a container run with its `--audit-log` flag is logged from create to destroy. The
 * install has no network plugin, so the containers get no network (and no veth) without `--net none`.
 */
const CLI = ['@mydocker/core', '@mydocker/cli', '@mydocker/namespaces', '@mydocker/state-store', '@mydocker/aufs-storage', '@mydocker/images'];
const PLUGIN = 'mydocker-audit-log';

describe('a third-party plugin installed from its tarball (mydocker-audit-log)', () => {
  const sandbox = new Sandbox('thirdparty');
  const folder = join(sandbox.dir, 'install');
  const log = join(sandbox.dir, 'audit', 'containers.jsonl');
  const env = { ...sandbox.env, PATH: `${dirname(process.execPath)}:${sandbox.env.PATH}` };
  const bin = join(folder, 'node_modules/.bin/mydocker');
  let packed = new Map<string, Packed>();

  const run = (args: string[]) => runProcess(bin, args, { env });
  async function ok(args: string[]): Promise<string> {
    const r = await run(args);
    if (r.code !== 0) throw new Error(`mydocker ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }
  const lines = () =>
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    packed = packWorkspaces([...CLI, PLUGIN], join(sandbox.dir, 'packs'));
    const r = await installTarballs(folder, packed, [...CLI.filter((n) => n !== '@mydocker/core'), PLUGIN]);
    if (r.code !== 0) throw new Error(`npm install failed (${r.code}): ${r.stderr}`);
    mkdirSync(dirname(log));
  }, 240_000);

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('is found by discovery from the install and lists its flag under its package in run --help', async () => {
    expect(packed.get(PLUGIN)!.manifest.peerDependencies).toEqual({ '@mydocker/core': expect.any(String) });
    const info = await ok(['info']);
    expect(info).toMatch(new RegExp(`^\\s+audit-log\\s+${PLUGIN}\\s+0\\.1\\.0\\s+${join(folder, 'node_modules', PLUGIN)}$`, 'm'));
    const help = await ok(['run', '--help']);
    expect(help).toMatch(/Flags from mydocker-audit-log:\n\s+--audit-log\s+Append a JSON line to FILE/);
  });

  it('refuses a relative --audit-log path in one sentence (exit 125) and creates nothing', async () => {
    const r = await run(['run', '--audit-log', 'audit.jsonl', 'busybox', 'true']);
    expect(r).toEqual({ code: 125, stdout: '', stderr: 'Error: The --audit-log flag needs an absolute path, not "audit.jsonl".\n' });
    expect((await ok(['ps', '-a', '-q'])).trim()).toBe('');
    expect(existsSync(log)).toBe(false);
  });

  it('logs a container run with its flag from create to destroy, with its labels, and leaves nothing', async () => {
    const id = (await ok(['run', '-d', '--name', 'audited', '--label', 'owner=ops', '--audit-log', log, 'busybox', 'sleep', '300'])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const pid = Number((await ok(['inspect', '--format', '{{.State.Pid}}', 'audited'])).trim());
    await ok(['stop', '-t', '1', 'audited']);
    await ok(['rm', 'audited']);
    const got = lines();
    expect(got.map((l) => l.action)).toEqual(['create', 'start', 'die', 'destroy']);
    for (const l of got) expect(l).toMatchObject({ id, name: 'audited', image: 'busybox', labels: ['owner=ops'] });
    expect(got[1].pid).toBe(pid);
    // sleep as PID 1 has no SIGTERM handler, so the kernel ignores it: stop -t 1 ends it with SIGKILL.
    expect(got[2].exitCode).toBe(137);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect((await ok(['ps', '-a', '-q'])).trim()).toBe('');
  });

  it('a run that fails after create is logged as failed once its undo steps ran', async () => {
    const before = lines().length;
    const r = await run(['run', '--name', 'broken', '--audit-log', log, 'busybox', '/no/such/program']);
    expect(r.code).toBe(127);
    const got = lines().slice(before);
    expect(got.map((l) => l.action)).toEqual(['create', 'failed']);
    expect(got[1]).toMatchObject({ name: 'broken', error: expect.stringContaining('/no/such/program') });
    expect((await ok(['ps', '-a', '-q'])).trim()).toBe('');
  });
});
