import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { host, runProcess, Sandbox, waitFor } from './harness';
import { installTarballs, packWorkspaces, WORKSPACE, type Packed } from './npm-install';

/**
 * Issue 7: every package is packed with `npm pack`, installed from the tarballs into empty folders
 * outside the workspace, and the installed binary runs containers with only the plugins it was given.
 */
// Images are their own package (issue 14): a container's root is made from the image store.
const MINIMAL = ['@mydocker/cli', '@mydocker/namespaces', '@mydocker/state-store', '@mydocker/aufs-storage', '@mydocker/images'];

/** Public workspaces, from the root package.json: the set a user could install. */
function publicWorkspaces(): string[] {
  const root = JSON.parse(readFileSync(join(WORKSPACE, 'package.json'), 'utf8')) as { workspaces: string[] };
  return root.workspaces
    .map((w) => JSON.parse(readFileSync(join(WORKSPACE, w, 'package.json'), 'utf8')) as { name: string; private?: boolean })
    .filter((p) => !p.private)
    .map((p) => p.name);
}

/** True when an x86-64 ELF file has no PT_INTERP program header, i.e. needs no dynamic loader. */
function isStaticX8664Elf(path: string): boolean {
  const elf = readFileSync(path);
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf.readUInt16LE(0x12) !== 62) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === 3) return false;
  return true;
}

function filesUnder(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? [`${prefix}${e.name}/`, ...filesUnder(join(dir, e.name), `${prefix}${e.name}/`)] : [`${prefix}${e.name}`],
  );
}

describe('selective installs from npm pack tarballs', () => {
  const sandbox = new Sandbox('selective');
  const packDir = join(sandbox.dir, 'packs');
  let packed = new Map<string, Packed>();
  const installs: Record<'minimal' | 'vfs' | 'full', string> = {
    minimal: join(sandbox.dir, 'minimal'),
    vfs: join(sandbox.dir, 'minimal-vfs'),
    full: join(sandbox.dir, 'full'),
  };
  const env = { ...sandbox.env, PATH: `${dirname(process.execPath)}:${sandbox.env.PATH}` };

  const install = (folder: string, direct: string[]) => installTarballs(folder, packed, direct);

  const run = (bin: string, args: string[], extra: NodeJS.ProcessEnv = {}) => runProcess(bin, args, { env: { ...env, ...extra } });
  const binOf = (folder: string) => join(folder, 'node_modules/.bin/mydocker');
  async function ok(bin: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<string> {
    const r = await run(bin, args, extra);
    if (r.code !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }
  const rows = (out: string) =>
    out
      .trim()
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => l.split(/\s{2,}/));

  beforeAll(async () => {
    packed = packWorkspaces(publicWorkspaces(), packDir);
    const results = await Promise.all([
      install(installs.minimal, MINIMAL),
      install(installs.vfs, [...MINIMAL, 'mydocker-storage-vfs']),
      install(installs.full, ['mydocker']),
    ]);
    for (const r of results) if (r.code !== 0) throw new Error(`npm install failed (${r.code}): ${r.stderr}`);
  }, 240_000);

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  describe('the tarballs', () => {
    it('packs every public workspace', () => {
      expect([...packed.keys()].sort()).toEqual(publicWorkspaces().sort());
      expect(packed.has('mydocker')).toBe(true);
    });

    it('each holds compiled code, type declarations, a README and no sources or tests', () => {
      const withoutReadme = [...packed.values()].filter((p) => !existsSync(join(p.dir, 'README.md'))).map((p) => p.name);
      expect(withoutReadme).toEqual([]);
      for (const p of packed.values()) {
        const files = filesUnder(p.dir);
        expect(files.filter((f) => /(^|\/)(src\/|__tests__\/)|\.test\.[jt]s$|tsconfig/.test(f))).toEqual([]);
        if (p.manifest.main) expect(existsSync(join(p.dir, p.manifest.main))).toBe(true);
        if (p.manifest.types) expect(existsSync(join(p.dir, p.manifest.types))).toBe(true);
        if (p.manifest.mydocker?.plugin) expect(existsSync(join(p.dir, p.manifest.mydocker.plugin))).toBe(true);
        for (const bin of Object.values<string>(p.manifest.bin ?? {})) expect(statSync(join(p.dir, bin)).mode & 0o111).toBe(0o111);
      }
    });

    it('plugins take @mydocker/core as a peer; the CLI depends on it; nothing points into the workspace', () => {
      for (const p of packed.values()) {
        const deps = { ...p.manifest.dependencies, ...p.manifest.peerDependencies };
        for (const spec of Object.values<string>(deps)) expect(spec).not.toMatch(/^(file|link|workspace):|\.\.\//);
        if (p.manifest.mydocker) {
          expect({ name: p.name, peer: p.manifest.peerDependencies?.['@mydocker/core'] }).toEqual({ name: p.name, peer: expect.any(String) });
          expect(p.manifest.dependencies?.['@mydocker/core']).toBeUndefined();
        }
      }
      expect(packed.get('@mydocker/cli')!.manifest.dependencies['@mydocker/core']).toBeDefined();
      const meta = packed.get('mydocker')!.manifest;
      expect(Object.keys(meta.dependencies)).toEqual(expect.arrayContaining([...MINIMAL, '@mydocker/cgroups', '@mydocker/logs', '@mydocker/network']));
      // Compiled code requires other packages by name, never their src/ or dist/, and never leaves its own folder.
      for (const p of packed.values()) {
        for (const f of filesUnder(p.dir).filter((f) => f.endsWith('.js') || (f.startsWith('bin/') && !f.endsWith('/')))) {
          const text = readFileSync(join(p.dir, f), 'utf8');
          const bad = [...text.matchAll(/require\(["']([^"']+)["']\)/g)]
            .map((m) => m[1])
            .filter((spec) => (spec.startsWith('.') ? !resolve(p.dir, dirname(f), spec).startsWith(`${p.dir}/`) : /\/(src|dist)(\/|$)/.test(spec)));
          expect({ file: `${p.name}/${f}`, bad }).toEqual({ file: `${p.name}/${f}`, bad: [] });
        }
      }
    });

    it('@mydocker/namespaces ships a static x86-64 helper and its C sources', () => {
      const ns = packed.get('@mydocker/namespaces')!;
      const helper = join(ns.dir, 'dist/mydocker-init');
      expect(statSync(helper).mode & 0o111).toBe(0o111);
      // Static: it runs on any x86-64 Linux, whatever libc (or none) the host has.
      expect(isStaticX8664Elf(helper)).toBe(true);
      const sources = filesUnder(join(ns.dir, 'native'));
      expect(sources).toEqual(expect.arrayContaining(['main.c', 'helper.h']));
    });

    it('each install holds one copy of core, tsyringe and reflect-metadata', () => {
      for (const folder of Object.values(installs)) {
        const copies = (name: string) =>
          filesUnder(join(folder, 'node_modules')).filter((f) => f === `${name}/package.json` || f.endsWith(`/node_modules/${name}/package.json`));
        expect({ folder, core: copies('@mydocker/core'), tsyringe: copies('tsyringe'), reflect: copies('reflect-metadata') }).toEqual({
          folder,
          core: ['@mydocker/core/package.json'],
          tsyringe: ['tsyringe/package.json'],
          reflect: ['reflect-metadata/package.json'],
        });
      }
    });
  });

  describe('(a) the minimal set: cli, namespaces, state-store, aufs-storage, images', () => {
    const bin = () => binOf(installs.minimal);

    it('finds exactly the installed plugins from the bin symlink, with versions and roots', async () => {
      const out = await ok(bin(), ['info']);
      const plugins = [...out.matchAll(/^\s+\S+\s+(@mydocker\/[\w-]+|mydocker-[\w-]+)\s+(\d+\.\d+\.\d+)\s+(\S+)$/gm)];
      expect(plugins.map((m) => m[1]).sort()).toEqual(['@mydocker/aufs-storage', '@mydocker/images', '@mydocker/namespaces', '@mydocker/state-store']);
      for (const m of plugins) expect(m[3]).toBe(join(installs.minimal, 'node_modules', m[1]));
      expect(out).toMatch(new RegExp(`^Root: ${sandbox.root}$`, 'm'));
      expect(out).toMatch(new RegExp(`^RunRoot: ${sandbox.runRoot}$`, 'm'));
      expect(out).toMatch(/^StorageDriver: overlay$/m);
    });

    it('runs -d, ps, stop and rm', async () => {
      const id = (await ok(bin(), ['run', '-d', '--name', 'small', 'busybox', 'sleep', '300'])).trim();
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      const running = rows(await ok(bin(), ['ps']));
      expect(running.map((r) => [r[1], r[3]])).toEqual([['small', 'running']]);
      await ok(bin(), ['stop', '-t', '1', 'small']);
      expect(rows(await ok(bin(), ['ps', '-a']))[0]).toContainEqual(expect.stringMatching(/^Exited \(\d+\) /));
      await ok(bin(), ['rm', 'small']);
      expect(rows(await ok(bin(), ['ps', '-a']))).toEqual([]);
    });

    it('names the package to install for each missing plugin, and creates nothing', async () => {
      await ok(bin(), ['run', '-d', '--name', 'keep', 'busybox', 'sleep', '300']);
      const before = [...filesUnder(sandbox.root), ...filesUnder(sandbox.runRoot)];
      const cases: [string[], string][] = [
        [['run', '-d', '-m', '100m', 'busybox', 'top'], '@mydocker/cgroups'],
        [['run', '-d', '-net', 'br0', 'busybox', 'top'], '@mydocker/network'],
        [['network', 'ls'], '@mydocker/network'],
        [['logs', 'keep'], '@mydocker/logs'],
      ];
      for (const [args, pkg] of cases) {
        const r = await run(bin(), args);
        expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 125, stdout: '' });
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toContain(`npm install ${pkg}`);
      }
      expect([...filesUnder(sandbox.root), ...filesUnder(sandbox.runRoot)]).toEqual(before);
      // `ps -a` is Docker's layout (issue 15): NAMES is the last column.
      expect(rows(await ok(bin(), ['ps', '-a'])).map((r) => r[r.length - 1])).toEqual(['keep']);
      await ok(bin(), ['rm', '-f', 'keep']);
    });

    it('loads a plugin that the config names by path, and refuses one that is not installed', async () => {
      // A local plugin outside node_modules still resolves @mydocker/core from the install folder.
      const local = join(installs.minimal, 'local-plugins/storage-vfs');
      cpSync(packed.get('mydocker-storage-vfs')!.dir, local, { recursive: true });
      const config = join(sandbox.dir, 'by-path.json');
      writeFileSync(config, JSON.stringify({ plugins: [local] }));
      const out = await ok(bin(), ['--config', config, 'info']);
      expect(out).toMatch(new RegExp(`mydocker-storage-vfs\\s+0\\.1\\.0\\s+${local}$`, 'm'));
      expect(out).toMatch(/^StorageDrivers:\n(\s+\w+\n)*\s+vfs$/m);

      const missing = join(sandbox.dir, 'missing.json');
      writeFileSync(missing, JSON.stringify({ plugins: ['mydocker-no-such-plugin'] }));
      const r = await run(bin(), ['--config', missing, 'ps']);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(
        /^Error: The plugin "mydocker-no-such-plugin" named in the config is not installed: run `npm install mydocker-no-such-plugin`\.\n$/,
      );
    });
  });

  describe('(b) the minimal set plus the third-party vfs driver, selected by a config file', () => {
    const bin = () => binOf(installs.vfs);
    const config = join(sandbox.dir, 'vfs.json');
    const vfsContainers = join(sandbox.root, 'storage/vfs/containers');

    beforeAll(() => writeFileSync(config, JSON.stringify({ plugins: ['mydocker-storage-vfs'], storageDriver: 'vfs' })));

    it('lists the driver and uses it', async () => {
      const out = await ok(bin(), ['--config', config, 'info']);
      expect(out).toMatch(/^StorageDriver: vfs$/m);
      expect(out).toMatch(new RegExp(`mydocker-storage-vfs\\s+0\\.1\\.0\\s+${join(installs.vfs, 'node_modules/mydocker-storage-vfs')}$`, 'm'));
    });

    it('runs -d, ps, stop and rm on a plain-copy root', async () => {
      const cfg = { MYDOCKER_CONFIG: config };
      const id = (await ok(bin(), ['run', '-d', '--name', 'copy', 'busybox', 'sleep', '300'], cfg)).trim();
      expect(readdirSync(vfsContainers)).toEqual([id]);
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(id);
      expect(rows(await ok(bin(), ['ps'], cfg)).map((r) => [r[1], r[3]])).toEqual([['copy', 'running']]);
      await ok(bin(), ['stop', '-t', '1', 'copy'], cfg);
      expect(rows(await ok(bin(), ['ps', '-a'], cfg))[0]).toContainEqual(expect.stringMatching(/^Exited \(\d+\) /));
      await ok(bin(), ['rm', 'copy'], cfg);
      expect(readdirSync(vfsContainers)).toEqual([]);
      expect(rows(await ok(bin(), ['ps', '-a'], cfg))).toEqual([]);
    });
  });

  describe('(c) the full meta package', () => {
    const hostProcess = (pid: string) => host('ps', ['-o', 'args=', '-p', pid]).stdout.trim();

    it("installs every built-in plugin and replays the seed's transcript with its bin", async () => {
      const bin = join(installs.full, 'node_modules/mydocker/bin/mydocker');
      const info = await ok(bin, ['info']);
      for (const name of ['aufs-storage', 'cgroups', 'images', 'logs', 'namespaces', 'network', 'state-store']) {
        expect(info).toContain(join(installs.full, 'node_modules/@mydocker', name));
      }
      expect(info).toMatch(/^CgroupVersion: 1$/m);

      expect((await ok(bin, ['ps'])).trim()).toMatch(/^ID\s+NAME\s+PID\s+STATUS\s+COMMAND\s+CREATED$/);
      const id = (await ok(bin, ['run', '-d', '-name', 'test', '/bin/top'])).trim();
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      const running = rows(await ok(bin, ['ps']));
      expect(running).toHaveLength(1);
      const [shortId, name, pid, status, command] = running[0];
      expect(id.startsWith(shortId)).toBe(true);
      expect([name, status, command]).toEqual(['test', 'running', '/bin/top']);
      expect(hostProcess(pid)).toBe('/bin/top');
      await ok(bin, ['stop', 'test']);
      const stopped = rows(await ok(bin, ['ps']));
      expect(stopped.map((r) => r[1])).toEqual(['test']);
      expect(stopped[0][2]).toMatch(/^stopped/);
      expect(hostProcess(pid)).toBe('');
      await ok(bin, ['rm', 'test']);
      expect((await ok(bin, ['ps'])).trim().split('\n')).toHaveLength(1);
      expect(
        await waitFor(
          () => sandbox.leftovers(),
          (l) => l.length === 0,
          5000,
        ),
      ).toEqual([]);
    });
  });
});
