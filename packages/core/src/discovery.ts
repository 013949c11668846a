import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { UsageError } from './errors';
import { cachedTrustFs, untrustedReason, type TrustOptions } from './path-trust';
import type { PluginClass } from './plugin';

export { untrustedReason, type TrustOptions } from './path-trust';

export interface PluginManifest {
  /** Module (relative to the package) whose default export is the plugin class; `main` otherwise. */
  plugin?: string;
  /** Services the plugin provides on the bus (`runtime`, `helper`, …): a program that needs only some of them loads only these plugins. */
  provides?: string[];
}

export interface DiscoveredPlugin {
  packageName: string;
  version: string;
  /** The real folder the plugin is loaded from. */
  dir: string;
  manifest: PluginManifest;
  /** How it was found: a dependency of the install (the `mydocker` key), or named in the config. */
  source: 'dependency' | 'config';
}

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  mydocker?: PluginManifest;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  workspaces?: string[] | { packages?: string[] };
}

/**
 * Where the CLI is installed. Discovery reads only this install's own dependency tree and never looks
 * above `bound`: a node_modules folder in a parent directory (say /tmp/node_modules, which anyone can
 * create) is not part of the install, so nothing in it is ever loaded.
 */
export interface InstallLayout {
  /** The project folder holding the install (or the global prefix); resolution stops here. */
  bound: string;
  /** Package folders whose dependencies are the install's own. */
  roots: string[];
}

export interface DiscoveryOptions {
  /** The CLI package's folder; discovery starts from the install that holds it. */
  cliDir: string;
  /** Package names or paths from the config file or --plugin. */
  extra: string[];
  /** Base for relative paths in `extra`. */
  base?: string;
  /** The uid plugins will run as (the effective uid) and a fake file system, for tests. */
  trust?: TrustOptions;
  /** `findInstall(cliDir)` when the caller has it already (the CLI, to confine module lookup): not walked twice. */
  layout?: InstallLayout;
}

function readPackage(dir: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

const inside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);

/**
 * Only these names can be plugins or lead to them (the meta package `mydocker`), so discovery reads a
 * handful of package.json files instead of the whole tree.
 */
export function isCandidateName(name: string): boolean {
  return name === 'mydocker' || name.startsWith('@mydocker/') || name.startsWith('mydocker-') || /^@[^/]+\/mydocker-/.test(name);
}

function workspaceDirs(root: string, pkg: PackageJson): string[] {
  const patterns = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);
  const dirs: string[] = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const parent = join(root, pattern.slice(0, -2));
      let entries: string[] = [];
      try {
        entries = readdirSync(parent);
      } catch {
        entries = [];
      }
      for (const e of entries) if (existsSync(join(parent, e, 'package.json'))) dirs.push(real(join(parent, e)));
    } else if (!pattern.includes('*') && existsSync(join(root, pattern, 'package.json'))) {
      dirs.push(real(join(root, pattern)));
    }
  }
  return dirs;
}

/**
 * The install holding the CLI: in a node_modules, the project folder above the first node_modules (its
 * package.json lists what the user installed), or for a global install (no package.json there) the
 * globally installed package that holds the CLI; in a source checkout, the workspace root that lists
 * the CLI's folder; otherwise the CLI's package alone.
 *
 * A source checkout is read like any project: its plugins are what the root package.json depends on (this
 * repository's depends on the meta package `mydocker`, so the built-in plugins), resolved through the
 * node_modules links npm makes for the workspaces. A workspace no one depends on (the examples: a storage
 * driver and an audit log, each a third-party plugin) loads only when the config names it, as it would for a
 * user who installed it beside mydocker.
 */
export function findInstall(cliDir: string): InstallLayout {
  const cli = real(cliDir);
  const parts = cli.split(sep);
  const first = parts.indexOf('node_modules');
  if (first > 0) {
    const bound = parts.slice(0, first).join(sep) || sep;
    if (existsSync(join(bound, 'package.json'))) return { bound, roots: [bound] };
    const scoped = parts[first + 1]?.startsWith('@');
    const top = parts.slice(0, first + (scoped ? 3 : 2)).join(sep);
    return { bound, roots: [top] };
  }
  for (let dir = dirname(cli); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = readPackage(dir);
    // A package.json that another user could have written (say /tmp/package.json) names no workspace.
    if (!pkg?.workspaces || untrustedReason(join(dir, 'package.json'))) continue;
    if (workspaceDirs(dir, pkg).includes(cli)) return { bound: dir, roots: [dir] };
  }
  return { bound: cli, roots: [cli] };
}

/** Node's lookup of `name` from `from`, confined to the install: it never leaves `bound`. */
function resolveWithin(name: string, from: string, bound: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return real(candidate);
    }
    if (dir === bound || !inside(dir, bound) || dir === dirname(dir)) return undefined;
  }
}

function refuse(what: string, reason: string): never {
  throw new UsageError(
    `Refusing to load ${what}: ${reason}, so another user could replace the code mydocker would run as root; make it owned by root and writable only by root.`,
  );
}

function assertTrusted(what: string, paths: string[], trust?: TrustOptions): void {
  for (const path of paths) {
    const reason = untrustedReason(path, trust);
    if (reason) refuse(what, reason);
  }
}

/** Resolve a package name or a path named in the config to the package's folder, inside the install. */
function locate(spec: string, layout: InstallLayout, cliDir: string, base: string): string {
  if (isAbsolute(spec) || spec.startsWith('.')) {
    const dir = isAbsolute(spec) ? spec : join(base, spec);
    if (existsSync(join(dir, 'package.json'))) return real(dir);
    throw new UsageError(`The plugin "${spec}" named in the config was not found (no package.json there).`);
  }
  const found = resolveWithin(spec, real(cliDir), layout.bound) ?? layout.roots.map((r) => resolveWithin(spec, r, layout.bound)).find(Boolean);
  if (found) return found;
  throw new UsageError(`The plugin "${spec}" named in the config is not installed: run \`npm install ${spec}\`.`);
}

function dependencyNames(pkg: PackageJson): string[] {
  return [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
}

export function discoverPlugins(options: DiscoveryOptions): DiscoveredPlugin[] {
  const layout = options.layout ?? findInstall(options.cliDir);
  const trust: TrustOptions = { ...options.trust, fs: options.trust?.fs ?? cachedTrustFs() };
  const found = new Map<string, DiscoveredPlugin>();
  const seen = new Set<string>();
  // Breadth first from the install's own package.json: its dependencies, and theirs when they are
  // mydocker packages (the meta package `mydocker` brings the built-in plugins).
  const queue: Array<{ dir: string; root: boolean }> = layout.roots.map((dir) => ({ dir: real(dir), root: true }));
  while (queue.length > 0) {
    const { dir, root } = queue.shift()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    const pkg = readPackage(dir);
    if (!pkg) continue;
    if (!root && !(pkg.name && isCandidateName(pkg.name))) continue;
    // The package.json decides what else is read and loaded: it must be as safe as the code.
    assertTrusted(root ? `the plugins of the install at ${dir}` : `the plugin ${pkg.name} from ${dir}`, [join(dir, 'package.json')], trust);
    if (!root && pkg.name && pkg.mydocker && !found.has(pkg.name)) {
      found.set(pkg.name, { packageName: pkg.name, version: pkg.version ?? '0.0.0', dir, manifest: pkg.mydocker, source: 'dependency' });
    }
    for (const name of dependencyNames(pkg).filter(isCandidateName)) {
      const child = resolveWithin(name, dir, layout.bound);
      if (child) queue.push({ dir: child, root: false });
    }
  }
  for (const spec of options.extra) {
    const dir = locate(spec, layout, options.cliDir, options.base ?? process.cwd());
    const pkg = readPackage(dir);
    if (!pkg?.name) throw new UsageError(`The plugin "${spec}" has no name in its package.json.`);
    if (found.has(pkg.name)) continue;
    assertTrusted(`the plugin ${pkg.name} named in the config from ${dir}`, [join(dir, 'package.json')], trust);
    found.set(pkg.name, { packageName: pkg.name, version: pkg.version ?? '0.0.0', dir, manifest: pkg.mydocker ?? {}, source: 'config' });
  }
  // Code-unit order, not localeCompare: npm names are ASCII, and the first localeCompare loads ICU's
  // collator (8-20 ms on every CLI start).
  return [...found.values()].sort((a, b) => (a.packageName < b.packageName ? -1 : a.packageName > b.packageName ? 1 : 0));
}

/**
 * Keeps Node's module lookup inside the install for everything loaded from now on: the node_modules
 * folders of directories above `bound` are dropped from every search list, so a plugin's missing (or
 * optional) dependency is never taken from /tmp/node_modules or /node_modules.
 */
export function confineModuleLookup(bound: string): () => void {
  const Module = require('node:module') as { _nodeModulePaths(from: string): string[] };
  const original = Module._nodeModulePaths;
  const above = (dir: string) => dir !== bound && inside(bound, dir);
  Module._nodeModulePaths = (from: string) => original.call(Module, from).filter((p) => !above(dirname(p)));
  return () => {
    Module._nodeModulePaths = original;
  };
}

/** Loads a discovered plugin's class (its module's default export, or a `plugin` export). */
export function loadPluginClass(plugin: DiscoveredPlugin, trust?: TrustOptions): PluginClass {
  const pkg = readPackage(plugin.dir) ?? {};
  const entry = join(plugin.dir, plugin.manifest.plugin ?? pkg.main ?? 'index.js');
  let file: string;
  try {
    file = real(require.resolve(entry));
  } catch (err) {
    throw new UsageError(
      `The plugin ${plugin.packageName} could not be loaded from ${entry} (${(err as Error).message.split('\n')[0]}): reinstall or rebuild it.`,
    );
  }
  if (relative(plugin.dir, file).startsWith('..'))
    throw new UsageError(`The plugin ${plugin.packageName} names an entry point outside its folder (${file}): reinstall it.`);
  assertTrusted(`the plugin ${plugin.packageName} from ${file}`, [plugin.dir, file], trust);
  let mod: { default?: PluginClass; plugin?: PluginClass };
  try {
    mod = require(file);
  } catch (err) {
    throw new UsageError(
      `The plugin ${plugin.packageName} could not be loaded from ${entry} (${(err as Error).message.split('\n')[0]}): reinstall or rebuild it.`,
    );
  }
  const cls = mod.default ?? mod.plugin;
  if (typeof cls !== 'function') {
    throw new UsageError(`The plugin ${plugin.packageName} does not export a plugin class (default export or "plugin").`);
  }
  return cls;
}
