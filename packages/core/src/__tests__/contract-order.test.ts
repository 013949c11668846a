import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngineFromInstalled, loadConfig, type InfoReport } from '..';

let top: string;
beforeEach(() => (top = mkdtempSync(join(tmpdir(), 'contract-'))));
afterEach(() => rmSync(top, { recursive: true, force: true }));

function pkg(dir: string, manifest: Record<string, unknown>, code = ''): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '1.0.0', ...manifest }));
  writeFileSync(join(dir, 'index.js'), code);
  return dir;
}

/** A plugin whose `info` tap (and one at a named stage, when given) writes its name in the report's order. */
const tapping = (name: string, stage?: number) => `exports.default = class { name = ${JSON.stringify(name)}; apply(bus) {
  bus.hooks.info.tapPromise(${stage === undefined ? JSON.stringify(name) : `{ name: ${JSON.stringify(name)}, stage: ${stage} }`}, async (r) => { (r.order ??= []).push(${JSON.stringify(name)}); });
} };`;

describe('the order plugins are applied in, as documented', () => {
  it('taps within a stage run in package-name order, whatever order the install lists them; a lower stage first', async () => {
    const project = join(top, 'inst');
    pkg(project, {
      name: 'app',
      dependencies: { '@mydocker/cli': '1', 'mydocker-zeta': '1', '@mydocker/beta': '1', '@acme/mydocker-alpha': '1', 'mydocker-early': '1' },
    });
    const cli = pkg(join(project, 'node_modules/@mydocker/cli'), { name: '@mydocker/cli' });
    pkg(join(project, 'node_modules/mydocker-zeta'), { name: 'mydocker-zeta', mydocker: {} }, tapping('zeta'));
    pkg(join(project, 'node_modules/@mydocker/beta'), { name: '@mydocker/beta', mydocker: {} }, tapping('beta'));
    pkg(join(project, 'node_modules/@acme/mydocker-alpha'), { name: '@acme/mydocker-alpha', mydocker: {} }, tapping('alpha'));
    pkg(join(project, 'node_modules/mydocker-early'), { name: 'mydocker-early', mydocker: {} }, tapping('early', -100));
    // A plugin the config names joins the same order (by its package name).
    const local = pkg(join(project, 'local/aaa'), { name: 'mydocker-aaa', mydocker: {} }, tapping('aaa'));
    const config = loadConfig({ env: {}, flags: { root: join(top, 'root'), runRoot: join(top, 'run'), plugins: [local] } });
    const { bus } = createEngineFromInstalled(config, { cliDir: cli });
    expect(bus.plugins.map((p) => p.packageName)).toEqual(['@acme/mydocker-alpha', '@mydocker/beta', 'mydocker-aaa', 'mydocker-early', 'mydocker-zeta']);
    const report: InfoReport = {};
    await bus.hooks.info.promise(report);
    expect(report.order).toEqual(['early', 'alpha', 'beta', 'aaa', 'zeta']);
  });
});

describe('config precedence', () => {
  it('flag > environment > config file > default, for every root', () => {
    const file = join(top, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ root: '/file/root', runRoot: '/file/run', cgroupParent: 'file-parent', storageDriver: 'file-driver', defaultImage: 'alpine' }),
    );
    const env = { MYDOCKER_ROOT: '/env/root', MYDOCKER_RUNROOT: '/env/run', MYDOCKER_CGROUP_PARENT: 'env-parent', MYDOCKER_STORAGE_DRIVER: 'env-driver' };
    const flags = { root: '/flag/root', runRoot: '/flag/run', cgroupParent: 'flag-parent', storageDriver: 'flag-driver', config: file };
    expect(loadConfig({ env, flags })).toMatchObject({
      root: '/flag/root',
      runRoot: '/flag/run',
      cgroupParent: 'flag-parent',
      storageDriver: 'flag-driver',
      defaultImage: 'alpine',
    });
    expect(loadConfig({ env, flags: { config: file } })).toMatchObject({
      root: '/env/root',
      runRoot: '/env/run',
      cgroupParent: 'env-parent',
      storageDriver: 'env-driver',
    });
    expect(loadConfig({ env: {}, flags: { config: file } })).toMatchObject({
      root: '/file/root',
      runRoot: '/file/run',
      cgroupParent: 'file-parent',
      storageDriver: 'file-driver',
      configFile: file,
    });
    // The environment may name the file too; a flag's file wins over it.
    expect(loadConfig({ env: { MYDOCKER_CONFIG: file }, flags: {} })).toMatchObject({ root: '/file/root' });
    const missing = join(top, 'none.json');
    expect(loadConfig({ env: { MYDOCKER_CONFIG: missing }, flags: { config: file } }).root).toBe('/file/root');
    writeFileSync(join(top, 'empty.json'), '{}');
    const defaults = loadConfig({ env: {}, flags: { config: join(top, 'empty.json') } });
    expect(defaults).toMatchObject({
      root: '/var/lib/mydocker',
      runRoot: '/run/mydocker',
      cgroupParent: 'mydocker',
      storageDriver: undefined,
      defaultImage: 'busybox',
    });
  });

  it('plugins add up from the file, the environment and the flags, in that order', () => {
    const file = join(top, 'config.json');
    writeFileSync(file, JSON.stringify({ plugins: ['from-file'] }));
    expect(loadConfig({ env: { MYDOCKER_PLUGINS: 'from-env,other' }, flags: { config: file, plugins: ['from-flag'] } }).plugins).toEqual([
      'from-file',
      'from-env',
      'other',
      'from-flag',
    ]);
  });
});
