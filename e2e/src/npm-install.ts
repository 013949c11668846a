import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runProcess, type Result } from './harness';
import type { ParsedJson } from './json';

/**
 * Installing mydocker the way a user does: workspaces packed with `npm pack`, then `npm install` of the
 * tarballs into an empty folder outside the workspace (selective installs, the third-party plugin).
 */
export const WORKSPACE = resolve(__dirname, '../..');

export interface Packed {
  name: string;
  tarball: string;
  /** The tarball's `package/` folder, extracted for inspection. */
  dir: string;
  manifest: ParsedJson;
}

export function sh(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, npm_config_loglevel: 'error' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Packs the named workspaces into `packDir` (each also extracted there) and returns them by package name. */
export function packWorkspaces(names: string[], packDir: string): Map<string, Packed> {
  mkdirSync(packDir, { recursive: true });
  // --ignore-scripts: prepack would rebuild every package; the e2e suite runs after `npm run build`.
  const out = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir, ...names.flatMap((n) => ['-w', n])], WORKSPACE);
  const packed = new Map<string, Packed>();
  for (const p of JSON.parse(out) as { name: string; filename: string }[]) {
    const tarball = join(packDir, p.filename);
    const dir = join(packDir, 'x', p.name);
    mkdirSync(dir, { recursive: true });
    sh('tar', ['-xzf', tarball, '-C', dir], packDir);
    const pkgDir = join(dir, 'package');
    packed.set(p.name, { name: p.name, tarball, dir: pkgDir, manifest: JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) });
  }
  return packed;
}

/** Installs `direct` as a user would; every other packed package resolves to its tarball, not the registry. */
export function installTarballs(folder: string, packed: Map<string, Packed>, direct: string[]): Promise<Result> {
  mkdirSync(folder, { recursive: true });
  const file = (name: string) => `file:${packed.get(name)!.tarball}`;
  const overrides = Object.fromEntries([...packed.keys()].filter((n) => !direct.includes(n)).map((n) => [n, file(n)]));
  const dependencies = Object.fromEntries(direct.map((n) => [n, file(n)]));
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'install-test', private: true, dependencies, overrides }, null, 2));
  // npm ci filled the cache with the third-party packages; the registry is only asked for what it lacks.
  return runProcess(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: folder, env: process.env },
    { timeoutMs: 120_000 },
  );
}
