import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { UsageError } from './errors';
import type { PluginClass } from './plugin';

export interface PluginManifest {
  /** Module (relative to the package) whose default export is the plugin class; `main` otherwise. */
  plugin?: string;
}

export interface DiscoveredPlugin {
  packageName: string;
  version: string;
  dir: string;
  manifest: PluginManifest;
  /** How it was found: "node_modules" (the `mydocker` key) or "config". */
  source: 'node_modules' | 'config';
}

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  mydocker?: PluginManifest;
}

function readPackage(dir: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Candidate package folders in one node_modules: every `@mydocker/*`, and third-party packages named
 * `mydocker-*` or `@scope/mydocker-*`. Only these are read, so discovery costs a few directory reads
 * instead of one per installed package.
 */
function candidates(nodeModules: string): string[] {
  const dirs: string[] = [];
  for (const entry of safeReaddir(nodeModules)) {
    if (entry === '@mydocker') {
      for (const pkg of safeReaddir(join(nodeModules, entry))) dirs.push(join(nodeModules, entry, pkg));
    } else if (entry.startsWith('mydocker-')) {
      dirs.push(join(nodeModules, entry));
    } else if (entry.startsWith('@')) {
      for (const pkg of safeReaddir(join(nodeModules, entry))) {
        if (pkg.startsWith('mydocker-')) dirs.push(join(nodeModules, entry, pkg));
      }
    }
  }
  return dirs;
}

/** Resolve a package name or a path named in the config to the package's folder. */
function locate(spec: string, searchPaths: string[], base: string): string {
  if (isAbsolute(spec) || spec.startsWith('.')) {
    const dir = isAbsolute(spec) ? spec : join(base, spec);
    if (existsSync(join(dir, 'package.json'))) return dir;
    throw new UsageError(`The plugin "${spec}" named in the config was not found (no package.json there).`);
  }
  for (const nodeModules of searchPaths) {
    const dir = join(nodeModules, spec);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  try {
    return dirname(require.resolve(`${spec}/package.json`, { paths: searchPaths }));
  } catch {
    throw new UsageError(`The plugin "${spec}" named in the config is not installed: run \`npm install ${spec}\`.`);
  }
}

export interface DiscoveryOptions {
  /** node_modules folders to scan, nearest first (e.g. `module.paths` of the CLI). */
  searchPaths: string[];
  /** Package names or paths from the config file or --plugin. */
  extra: string[];
  /** Base for relative paths in `extra`. */
  base?: string;
}

export function discoverPlugins(options: DiscoveryOptions): DiscoveredPlugin[] {
  const found = new Map<string, DiscoveredPlugin>();
  for (const nodeModules of options.searchPaths) {
    for (const dir of candidates(nodeModules)) {
      const pkg = readPackage(dir);
      if (!pkg?.name || !pkg.mydocker || found.has(pkg.name)) continue;
      found.set(pkg.name, { packageName: pkg.name, version: pkg.version ?? '0.0.0', dir, manifest: pkg.mydocker, source: 'node_modules' });
    }
  }
  for (const spec of options.extra) {
    const dir = locate(spec, options.searchPaths, options.base ?? process.cwd());
    const pkg = readPackage(dir);
    if (!pkg?.name) throw new UsageError(`The plugin "${spec}" has no name in its package.json.`);
    if (found.has(pkg.name)) continue;
    found.set(pkg.name, { packageName: pkg.name, version: pkg.version ?? '0.0.0', dir, manifest: pkg.mydocker ?? {}, source: 'config' });
  }
  // Code-unit order, not localeCompare: npm names are ASCII, and the first localeCompare loads ICU's
  // collator (8-20 ms on every CLI start).
  return [...found.values()].sort((a, b) => (a.packageName < b.packageName ? -1 : a.packageName > b.packageName ? 1 : 0));
}

/** Loads a discovered plugin's class (its module's default export, or a `plugin` export). */
export function loadPluginClass(plugin: DiscoveredPlugin): PluginClass {
  const pkg = readPackage(plugin.dir) ?? {};
  const entry = join(plugin.dir, plugin.manifest.plugin ?? pkg.main ?? 'index.js');
  let mod: { default?: PluginClass; plugin?: PluginClass };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(entry);
  } catch (err) {
    throw new UsageError(`The plugin ${plugin.packageName} could not be loaded from ${entry} (${(err as Error).message.split('\n')[0]}): reinstall or rebuild it.`);
  }
  const cls = mod.default ?? mod.plugin;
  if (typeof cls !== 'function') {
    throw new UsageError(`The plugin ${plugin.packageName} does not export a plugin class (default export or "plugin").`);
  }
  return cls;
}
