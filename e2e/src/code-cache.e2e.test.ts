import { chmodSync, existsSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Sandbox } from './harness';

/**
 * A command's own code cache (packages/cli/bin/load-bundle.js): written by the first run of the command
 * that succeeds without one, used by the next, never written by a failure or by help, and never read when
 * someone else could have written it. These tests work on the built package's dist/code-cache, as a user's
 * commands do; what they remove is made again by the next command.
 */
const CACHE_DIR = resolve(__dirname, '../../packages/cli/dist/code-cache');
const files = (command: string) => [join(CACHE_DIR, `${command}.bundle`), join(CACHE_DIR, `${command}.modules`)];
const REPORT = { env: { MYDOCKER_CODE_CACHE: 'report' } };
const cacheLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('code cache: '));
const PACKAGES = resolve(__dirname, '../../packages');

/** The files a module cache (load-bundle.js: magic, u32 header length, JSON header) has entries for. */
function moduleCacheFiles(file: string): string[] {
  const buf = readFileSync(file);
  const length = buf.readUInt32LE(5);
  return (JSON.parse(buf.toString('utf8', 9, 9 + length)) as { files: [string, string, number][] }).files.map(([name]) => name);
}

describe('per-command code cache', () => {
  const sandbox = new Sandbox('codecache', { defaultNetwork: 'none' });
  const clear = (command: string) => files(command).forEach((f) => rmSync(f, { force: true }));

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('the first successful run of a command writes its cache, owner-only, and the next run uses it', async () => {
    clear('ps');
    const first = await sandbox.run(['ps', '-a'], REPORT);
    expect(first.code).toBe(0);
    expect(cacheLines(first.stderr)).toEqual([
      "code cache: bundle: the build's",
      'code cache: wrote ps.bundle',
      expect.stringMatching(/^code cache: wrote ps\.modules \(\d+ modules\)$/),
    ]);
    for (const f of files('ps')) expect(statSync(f).mode & 0o777).toBe(0o644);

    const second = await sandbox.run(['ps', '-a'], REPORT);
    expect(second.code).toBe(0);
    expect(cacheLines(second.stderr)).toEqual(["code cache: bundle: ps's own"]);
    expect(second.stdout).toBe(first.stdout);
  });

  it('a command that fails, or asks for help, writes nothing', async () => {
    clear('ps');
    const failed = await sandbox.run(['ps', '--no-such-flag'], REPORT);
    expect(failed.code).toBe(125);
    const help = await sandbox.run(['ps', '--help'], REPORT);
    expect(help.code).toBe(0);
    expect(cacheLines(help.stderr)).toEqual([]);
    for (const f of files('ps')) expect(existsSync(f)).toBe(false);
  });

  it('a cache that others may write, or a symbolic link, is not read, and is replaced by a good one', async () => {
    clear('ps');
    await sandbox.ok(['ps', '-a']);
    const [bundle, modules] = files('ps');
    chmodSync(bundle, 0o666);
    const loose = await sandbox.run(['ps', '-a'], REPORT);
    expect(cacheLines(loose.stderr)).toEqual(["code cache: bundle: the build's", 'code cache: wrote ps.bundle']);
    expect(statSync(bundle).mode & 0o777).toBe(0o644);

    const elsewhere = join(sandbox.dir, 'planted');
    writeFileSync(elsewhere, 'not a cache', { mode: 0o644 });
    rmSync(bundle);
    symlinkSync(elsewhere, bundle);
    const linked = await sandbox.run(['ps', '-a'], REPORT);
    expect(linked.code).toBe(0);
    expect(cacheLines(linked.stderr)).toEqual(["code cache: bundle: the build's", 'code cache: wrote ps.bundle']);
    expect(statSync(bundle).isFile()).toBe(true);
    expect(existsSync(modules)).toBe(true);
  });

  it('a run uses its own cache and does what it did without one', async () => {
    clear('run');
    const first = await sandbox.run(['run', '--rm', 'busybox', 'echo', 'cached'], REPORT);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('cached\n');
    expect(cacheLines(first.stderr)).toContain('code cache: wrote run.bundle');
    const second = await sandbox.run(['run', '--rm', 'busybox', 'echo', 'cached'], REPORT);
    expect(second.stdout).toBe('cached\n');
    expect(cacheLines(second.stderr)).toEqual(["code cache: bundle: run's own"]);
    const off = await sandbox.run(['run', '--rm', 'busybox', 'echo', 'cached'], { env: { MYDOCKER_CODE_CACHE: 'off' } });
    expect(off.stdout).toBe('cached\n');
    expect((await sandbox.ok(['ps', '-a', '-q'])).trim()).toBe('');
  });

  it("a plugin's separate group files have entries in the build's module cache, and in a command's own once it reads them", async () => {
    const groups = ['network/dist/plugin.drivers-bridge.js', 'network/dist/plugin.store.js', 'logs/dist/plugin.reader.js', 'images/dist/plugin.pull.js'];
    expect(moduleCacheFiles(resolve(PACKAGES, 'cli/dist/modules.cache'))).toEqual(expect.arrayContaining(groups.map((g) => join(PACKAGES, g))));
    clear('logs');
    const name = `codecache-logs-${process.pid}`;
    await sandbox.ok(['run', '--name', name, 'busybox', 'echo', 'logged']);
    const logs = await sandbox.run(['logs', name], REPORT);
    expect(logs.stdout).toBe('logged\n');
    expect(cacheLines(logs.stderr)).toContain('code cache: wrote logs.bundle');
    expect(moduleCacheFiles(files('logs')[1])).toContain(join(PACKAGES, 'logs/dist/plugin.reader.js'));
    await sandbox.ok(['rm', name]);
  });
});
