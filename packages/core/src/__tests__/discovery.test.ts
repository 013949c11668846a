import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { confineModuleLookup, discoverPlugins, findInstall, loadPluginClass } from '../discovery';

let top: string;
beforeEach(() => (top = mkdtempSync(join(tmpdir(), 'discovery-'))));
afterEach(() => rmSync(top, { recursive: true, force: true }));

function pkg(dir: string, manifest: Record<string, unknown>, code = 'exports.default = class P { name = "p"; apply() {} };'): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '1.0.0', ...manifest }));
  writeFileSync(join(dir, 'index.js'), code);
  return dir;
}
const plugin = (dir: string, name: string, extra: Record<string, unknown> = {}) => pkg(dir, { name, mydocker: {}, ...extra });
const names = (found: { packageName: string }[]) => found.map((p) => p.packageName);

describe('discoverPlugins', () => {
  it("loads the project's mydocker dependencies and nothing planted above the install or beside it", () => {
    const project = join(top, 'inst');
    pkg(project, {
      name: 'app',
      dependencies: { '@mydocker/cli': '1', '@mydocker/a': '1', 'mydocker-b': '1', '@acme/mydocker-c': '1', '@mydocker/missing': '1', lodash: '1' },
    });
    const cli = pkg(join(project, 'node_modules/@mydocker/cli'), { name: '@mydocker/cli' });
    plugin(join(project, 'node_modules/@mydocker/a'), '@mydocker/a');
    plugin(join(project, 'node_modules/mydocker-b'), 'mydocker-b');
    plugin(join(project, 'node_modules/@acme/mydocker-c'), '@acme/mydocker-c');
    // Installed as something else's dependency, not the project's: not a plugin of this install.
    plugin(join(project, 'node_modules/mydocker-stray'), 'mydocker-stray');
    // Above the install, where anyone could write: never read, even for a dependency the project lacks.
    plugin(join(top, 'node_modules/mydocker-evil'), 'mydocker-evil');
    plugin(join(top, 'node_modules/@mydocker/missing'), '@mydocker/missing');
    const found = discoverPlugins({ cliDir: cli, extra: [] });
    expect(names(found)).toEqual(['@acme/mydocker-c', '@mydocker/a', 'mydocker-b']);
    expect(found.map((p) => p.dir)).toEqual([
      join(project, 'node_modules/@acme/mydocker-c'),
      join(project, 'node_modules/@mydocker/a'),
      join(project, 'node_modules/mydocker-b'),
    ]);
    expect(found.every((p) => p.source === 'dependency')).toBe(true);
  });

  it("follows the meta package's dependencies (hoisted or nested)", () => {
    const project = join(top, 'full');
    pkg(project, { name: 'app', dependencies: { mydocker: '1' } });
    pkg(join(project, 'node_modules/mydocker'), { name: 'mydocker', dependencies: { '@mydocker/cli': '1', '@mydocker/a': '1', '@mydocker/b': '1' } });
    const cli = pkg(join(project, 'node_modules/@mydocker/cli'), { name: '@mydocker/cli' });
    plugin(join(project, 'node_modules/@mydocker/a'), '@mydocker/a');
    plugin(join(project, 'node_modules/mydocker/node_modules/@mydocker/b'), '@mydocker/b');
    expect(names(discoverPlugins({ cliDir: cli, extra: [] }))).toEqual(['@mydocker/a', '@mydocker/b']);
  });

  it('reads a global install from the globally installed package that holds the CLI', () => {
    const prefix = join(top, 'lib/node_modules');
    pkg(join(prefix, 'mydocker'), { name: 'mydocker', dependencies: { '@mydocker/a': '1' } });
    const cli = pkg(join(prefix, 'mydocker/node_modules/@mydocker/cli'), { name: '@mydocker/cli' });
    plugin(join(prefix, 'mydocker/node_modules/@mydocker/a'), '@mydocker/a');
    plugin(join(prefix, 'mydocker-other-global'), 'mydocker-other-global');
    expect(findInstall(cli)).toEqual({ bound: join(top, 'lib'), roots: [join(prefix, 'mydocker')] });
    expect(names(discoverPlugins({ cliDir: cli, extra: [] }))).toEqual(['@mydocker/a']);
  });

  it("reads a source checkout as a project: the root's dependencies through the workspace links, not every workspace", () => {
    pkg(top, { name: 'repo', workspaces: ['packages/*', 'examples/x'], dependencies: { mydocker: '1' } });
    const cli = pkg(join(top, 'packages/cli'), { name: '@mydocker/cli' });
    const meta = pkg(join(top, 'packages/meta'), { name: 'mydocker', dependencies: { '@mydocker/cli': '1', '@mydocker/a': '1' } });
    const a = plugin(join(top, 'packages/a'), '@mydocker/a');
    plugin(join(top, 'packages/b'), '@mydocker/b');
    const x = plugin(join(top, 'examples/x'), 'mydocker-x');
    // npm links every workspace into the root's node_modules.
    mkdirSync(join(top, 'node_modules/@mydocker'), { recursive: true });
    for (const [name, dir] of [
      ['mydocker', meta],
      ['@mydocker/cli', cli],
      ['@mydocker/a', a],
      ['mydocker-x', x],
    ])
      symlinkSync(dir, join(top, 'node_modules', name));
    expect(findInstall(cli)).toEqual({ bound: top, roots: [top] });
    expect(names(discoverPlugins({ cliDir: cli, extra: [] }))).toEqual(['@mydocker/a']);
    // An example is a third-party plugin: loaded when the config names it.
    expect(names(discoverPlugins({ cliDir: cli, extra: ['mydocker-x'] }))).toEqual(['@mydocker/a', 'mydocker-x']);
  });

  it('takes no workspace list from a package.json that others can write', () => {
    pkg(top, { name: 'planted', workspaces: ['checkout/cli', 'evil'] });
    chmodSync(join(top, 'package.json'), 0o666);
    const cli = pkg(join(top, 'checkout/cli'), { name: '@mydocker/cli' });
    plugin(join(top, 'evil'), 'mydocker-evil');
    expect(findInstall(cli)).toEqual({ bound: cli, roots: [cli] });
    expect(discoverPlugins({ cliDir: cli, extra: [] })).toEqual([]);
  });

  it('finds config plugins inside the install by name or path, never above it', () => {
    const project = join(top, 'inst');
    pkg(project, { name: 'app', dependencies: { '@mydocker/cli': '1' } });
    const cli = pkg(join(project, 'node_modules/@mydocker/cli'), { name: '@mydocker/cli' });
    plugin(join(project, 'node_modules/mydocker-named'), 'mydocker-named');
    const local = plugin(join(top, 'local/thing'), 'mydocker-local');
    plugin(join(top, 'node_modules/mydocker-above'), 'mydocker-above');
    const found = discoverPlugins({ cliDir: cli, extra: ['mydocker-named', local] });
    expect(found.map((p) => [p.packageName, p.source])).toEqual([
      ['mydocker-local', 'config'],
      ['mydocker-named', 'config'],
    ]);
    expect(() => discoverPlugins({ cliDir: cli, extra: ['mydocker-above'] })).toThrow(
      'The plugin "mydocker-above" named in the config is not installed: run `npm install mydocker-above`.',
    );
  });

  it('refuses a plugin folder or package.json another user could write, in one sentence', () => {
    const project = join(top, 'inst');
    pkg(project, { name: 'app', dependencies: { 'mydocker-a': '1' } });
    const cli = pkg(join(project, 'node_modules/@mydocker/cli'), { name: '@mydocker/cli' });
    const a = plugin(join(project, 'node_modules/mydocker-a'), 'mydocker-a');
    chmodSync(join(a, 'package.json'), 0o666);
    expect(() => discoverPlugins({ cliDir: cli, extra: [] })).toThrow(
      `Refusing to load the plugin mydocker-a from ${a}: ${a}/package.json is writable by any user (mode 0666), so another user could replace the code mydocker would run as root; make it owned by root and writable only by root.`,
    );
    chmodSync(join(a, 'package.json'), 0o644);
    chmodSync(dirname(a), 0o777);
    expect(() => discoverPlugins({ cliDir: cli, extra: [] })).toThrow(
      /^Refusing to load the plugin mydocker-a from .*: .*\/inst\/node_modules is writable by any user \(mode 0777\)/,
    );
    chmodSync(dirname(a), 0o755);
    const local = plugin(join(top, 'open/p'), 'mydocker-open');
    chmodSync(join(top, 'open'), 0o777);
    expect(() => discoverPlugins({ cliDir: cli, extra: [local] })).toThrow(
      /^Refusing to load the plugin mydocker-open named in the config from .*: .*\/open is writable by any user/,
    );
  });

  it("refuses to load a plugin whose entry file others can write, and keeps the entry inside the plugin's folder", () => {
    const a = plugin(join(top, 'p/mydocker-a'), 'mydocker-a');
    const entry = { packageName: 'mydocker-a', version: '1.0.0', dir: a, manifest: {}, source: 'config' as const };
    expect(typeof loadPluginClass(entry)).toBe('function');
    chmodSync(join(a, 'index.js'), 0o646);
    expect(() => loadPluginClass(entry)).toThrow(/^Refusing to load the plugin mydocker-a from .*index\.js: .*index\.js is writable by any user \(mode 0646\)/);
    writeFileSync(join(top, 'p/outside.js'), 'module.exports = class {};');
    expect(() => loadPluginClass({ ...entry, manifest: { plugin: '../outside.js' } })).toThrow(/names an entry point outside its folder/);
  });

  it('follows a symlinked plugin to its real folder and reports that folder', () => {
    const project = join(top, 'inst');
    pkg(project, { name: 'app', dependencies: { 'mydocker-linked': '1' } });
    const cli = pkg(join(project, 'node_modules/@mydocker/cli'), { name: '@mydocker/cli' });
    const realDir = plugin(join(project, 'src/linked'), 'mydocker-linked');
    symlinkSync(realDir, join(project, 'node_modules/mydocker-linked'));
    expect(discoverPlugins({ cliDir: cli, extra: [] }).map((p) => p.dir)).toEqual([realDir]);
  });
});

describe('the install itself', () => {
  it('refuses an install whose own package.json another user could write', () => {
    const project = join(top, 'inst');
    pkg(project, { name: 'app', dependencies: {} });
    const cli = pkg(join(project, 'node_modules/@mydocker/cli'), { name: '@mydocker/cli' });
    chmodSync(join(project, 'package.json'), 0o666);
    expect(() => discoverPlugins({ cliDir: cli, extra: [] })).toThrow(
      /^Refusing to load the plugins of the install at .*\/inst: .*\/inst\/package\.json is writable by any user \(mode 0666\)/,
    );
  });
});

describe('confineModuleLookup', () => {
  it("drops node_modules folders above the install from Node's module lookup, and keeps those inside", () => {
    const project = join(top, 'inst');
    plugin(join(top, 'node_modules/planted-dep'), 'planted-dep');
    const user = pkg(join(project, 'node_modules/mydocker-a'), { name: 'mydocker-a' });
    const Module = require('node:module') as { _nodeModulePaths(from: string): string[] };
    expect(Module._nodeModulePaths(user)).toContain(join(top, 'node_modules'));
    const restore = confineModuleLookup(project);
    try {
      const paths = Module._nodeModulePaths(user);
      expect(paths).toContain(join(project, 'node_modules'));
      expect(paths).not.toContain(join(top, 'node_modules'));
      expect(paths).not.toContain('/node_modules');
    } finally {
      restore();
    }
  });
});
