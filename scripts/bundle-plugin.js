#!/usr/bin/env node
'use strict';
/**
 * A built-in plugin's `mydocker.plugin` entry as ONE file: `node ../../scripts/bundle-plugin.js`, run by a
 * plugin package's build after tsc, bundles the entry (package.json `pluginBundle.entry`, default
 * `dist/plugin.js`: tsc's output, so the decorator metadata is already emitted) and the modules it requires
 * into `dist/plugin.bundle.js`.
 *
 * Why: a `run --rm` opened ~100 plugin module files, each ~0.5 ms to resolve, stat, read and compile even
 * with the code cache (bench/README.md, fifth pass). One file per plugin is one resolution and one read.
 *
 * What stays outside the bundle (required at run time, as before):
 * - `@mydocker/*` (core above all), tsyringe, tapable and reflect-metadata: the plugin must share the CLI's
 *   single instances (errors tested with instanceof, tsyringe's registry, tapable's classes). The CLI's
 *   bundle seeds Node's module cache with its copies under the paths `require('@mydocker/core')` resolves
 *   to from here, so the plugin gets them; a plugin installed alone loads the installed core.
 * - The package's own npm dependencies (tar, undici, write-file-atomic, ...): npm dedupes and updates them,
 *   and most are loaded only by the commands that need them.
 * - Programs run as their own process (`*-main.js`, found by path): they are not required, so not bundled.
 * - `pluginBundle.separate`: modules only some commands load (a plugin's own commands, the pull path, the
 *   engine API's server), and whatever only they reach. Every command reads and compiles the whole bundle,
 *   so carrying them would cost the commands that never use them (measured: +10–20 ms per command when
 *   the bundles held everything). They stay tsc's files, required by path from the bundle when needed.
 *
 * One instance of each module: the bundle puts each of its modules into Node's module cache under its tsc
 * file's path, so a separate module's `require('./store/image-store')` (or anything loading the package's
 * index.js in the same process) gets the bundle's instance, not a second copy. The entry's exports are
 * loaded only when first required: the modules a plugin requires inside a function (its taps' lifecycle,
 * a driver) stay lazy, as esbuild wraps each CommonJS module so that its body runs on its first require.
 *
 * The package's tsc output stays as it is: `index.js` is its public face (types and API for third-party
 * authors), the bundle only the plugin entry. The CLI's code cache (packages/cli/bin/load-bundle.js) covers
 * the bundle: while the cache is written (MYDOCKER_CODE_CACHE=write), the bundle registers a function that
 * requires each of its modules and its separate ones, so the modules a real `run` loads in its taps are
 * compiled (and cached) too.
 */
const { build } = require('esbuild');
const { dirname, join, relative, resolve } = require('node:path');
const { existsSync } = require('node:fs');

const SHARED = ['@mydocker/*', 'tsyringe', 'tapable', 'reflect-metadata'];
const PRELOAD = "Symbol.for('mydocker.codeCache.preload')";

const common = (packageDir, external) => ({
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'error',
  legalComments: 'none',
  external,
  absWorkingDir: packageDir,
  // As the CLI's bundle: whitespace and comments removed, every name kept (stack traces, class names).
  minifyWhitespace: true,
});

/** Every module of the package `entry` reaches (paths relative to the package), with what each requires. */
async function moduleGraph(packageDir, entry, external) {
  const result = await build({ ...common(packageDir, external), entryPoints: [entry], write: false, metafile: true, outfile: 'graph.js' });
  const graph = new Map();
  for (const [file, input] of Object.entries(result.metafile.inputs))
    graph.set(
      file,
      input.imports.filter((i) => !i.external).map((i) => i.path),
    );
  return graph;
}

/** The modules reached from `entry` without passing through a `separate` one. */
function bundledModules(graph, entry, separate) {
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0)
    for (const next of graph.get(queue.shift()) ?? [])
      if (!seen.has(next) && !separate.has(next)) {
        seen.add(next);
        queue.push(next);
      }
  return seen;
}

/** Node's resolution of a relative require from `dir`, for files: `x`, `x.js`, `x/index.js`. */
function resolveFile(dir, request) {
  const base = resolve(dir, request);
  return [base, `${base}.js`, join(base, 'index.js')].find((f) => f.endsWith('.js') && existsSync(f));
}

function entrySource(entry, bundled, separate) {
  const rel = (f) => relative('dist', f);
  const seeds = [...bundled].map((f) => `  [${JSON.stringify(rel(f))}, () => require('./${f}')],`).join('\n');
  const preload = [...bundled].map((f) => `require('./${f}')`);
  const outside = [...separate].map((f) => `require(join(__dirname, ${JSON.stringify(rel(f))}))`);
  return `const Module = require('node:module');
const { join } = require('node:path');
const bundled = [
${seeds}
];
for (const [rel, load] of bundled) {
  const file = join(__dirname, rel);
  if (require.cache[file]) continue;
  const m = new Module(file, module);
  m.filename = file;
  m.paths = module.paths;
  Object.defineProperty(m, 'exports', { get: load, configurable: true, enumerable: true });
  m.loaded = true;
  require.cache[file] = m;
}
module.exports = require('./${entry}');
if (process.env.MYDOCKER_CODE_CACHE === 'write') {
  const key = ${PRELOAD};
  (globalThis[key] ??= []).push(() => {
    for (const load of [${[...preload, ...outside].map((r) => `() => ${r}`).join(', ')}]) {
      try { load(); } catch { /* not loadable alone: no cache entry */ }
    }
  });
}
`;
}

async function bundlePlugin(packageDir) {
  const pkg = require(join(packageDir, 'package.json'));
  const external = [...SHARED, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  const entry = pkg.pluginBundle?.entry ?? 'dist/plugin.js';
  const graph = await moduleGraph(packageDir, entry, external);
  const roots = new Set(pkg.pluginBundle?.separate ?? []);
  for (const root of roots) if (!graph.has(root)) throw new Error(`pluginBundle.separate names ${root}, which ${entry} never requires`);
  const bundled = bundledModules(graph, entry, roots);
  const separate = [...graph.keys()].filter((f) => f.startsWith('dist/') && !bundled.has(f));
  const separateFiles = new Set(separate.map((f) => join(packageDir, f)));
  const outfile = join(packageDir, 'dist/plugin.bundle.js');
  // A separate module is required by its path from the bundle's folder (dist/), as a file of its own.
  const leaveSeparate = {
    name: 'leave-separate',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        const file = resolveFile(args.resolveDir, args.path);
        if (!file || !separateFiles.has(file)) return undefined;
        return { path: `./${relative(dirname(outfile), file)}`, external: true };
      });
    },
  };
  await build({
    ...common(packageDir, external),
    stdin: { contents: entrySource(entry, bundled, separate), resolveDir: packageDir, sourcefile: 'plugin-bundle-entry.js', loader: 'js' },
    outfile,
    plugins: [leaveSeparate],
  });
  return { outfile, bundled: [...bundled], separate };
}

module.exports = { bundlePlugin };

if (require.main === module)
  bundlePlugin(process.cwd())
    .then((r) => process.env.BUNDLE_PLUGIN_VERBOSE && console.log(r))
    .catch((err) => {
    console.error(`bundle-plugin: ${err.message}`);
    process.exit(1);
  });
