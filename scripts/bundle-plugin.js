#!/usr/bin/env node
'use strict';
/**
 * A built-in plugin's `mydocker.plugin` entry bundled: `node ../../scripts/bundle-plugin.js`, run by a
 * plugin package's build after tsc, bundles the entry (package.json `pluginBundle.entry`, default
 * `dist/plugin.js`: tsc's output, so the decorator metadata is already emitted) and the modules it requires
 * into `dist/plugin.bundle.js`, the `mydocker.plugin` entry, with the modules that loading the entry runs
 * (what `apply` needs), `dist/plugin.lazy.js` with those required inside functions (the taps' lifecycle),
 * read when a tap first needs one, and one file per `separate` root (below). `ps` reads the first, `run`
 * the first two.
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
 *   the bundles held everything). Each root is bundled, with what it reaches, into a file of its own,
 *   `dist/plugin.<root's path, / as ->.js` (`plugin.drivers-bridge.js`), read on its first require.
 *
 * Separate groups: a module reached by two roots (network's cidr.js, from the bridge driver and from
 * `network create`) goes with the root listed first in `separate`, so a package lists its hottest path
 * first. Not in both files: one instance. Not tsc's file, as before: the hot path would open it alone
 * again. Not a file per set of roots: network's bridge path would read five files (its own, {bridge,
 * commands, store, prune}'s, {bridge, commands, prune}'s, ...) where it now reads two (its own and the
 * store's). A colder root that needs such a module reads the hotter root's file too: one more file, whose
 * unused modules are never run (each is a function until required).
 *
 * Measured (bench/README.md, seventh pass; alternated with main's build, 2 × 40 runs, medians, load 3.8 → 2.7):
 * a bridge container's `run -d` + `stop` + `rm` 421 → 394 and 423 → 397 ms wall (CPU 407 → 377, 383 → 353);
 * `logs ID` 122 → 107, 108 → 103 ms; `run --rm --net none` 154 → 151, 141 → 145 ms (paired +1.6, +4.0; the
 * same files read as before), 60 more runs of it alone 158.9 → 159.1 ms.
 *
 * One instance of each module: the entry bundle puts each module of every file into Node's module cache
 * under its tsc file's path, its exports made on first use, so a separate module's
 * `require('./store/image-store')` (or anything loading the package's index.js in the same process) gets
 * the bundled instance, not a second copy; a require from one file into another (entry bundle, lazy
 * file, separate group) is a require of that path, whichever file Node reads first. Lazy requires stay
 * lazy: esbuild wraps each CommonJS module so that its body runs on its first require.
 *
 * The package's tsc output stays as it is: `index.js` is its public face (types and API for third-party
 * authors), the bundle only the plugin entry. The CLI's code cache (packages/cli/bin/load-bundle.js) covers
 * the bundle: while the cache is written (MYDOCKER_CODE_CACHE=write), the bundle registers a function that
 * requires each module of every file, so the modules a real `run` loads in its taps are compiled (and
 * cached) too, and each group file has its entry in dist/modules.cache (and, once a command reads it, in
 * that command's own cache).
 */
const { build } = require('esbuild');
const { join, relative, resolve } = require('node:path');
const { existsSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const { NODE_BUNDLE } = require('./bundle-with-core');

const SHARED = ['@mydocker/*', 'tsyringe', 'tapable', 'reflect-metadata'];
const PRELOAD = "Symbol.for('mydocker.codeCache.preload')";
const BUNDLE = 'plugin.bundle.js';
const LAZY = 'plugin.lazy.js';

const common = (packageDir, external) => ({
  ...NODE_BUNDLE,
  external,
  absWorkingDir: packageDir,
  // As the CLI's bundle: whitespace and comments removed, every name kept (stack traces, class names).
  minifyWhitespace: true,
});

/**
 * Every module of the package `entry` reaches (paths relative to the package), with what each requires and
 * whether it does so when it loads: tsc writes a module's top-level statements unindented and the body of
 * a function indented, so a `require` on an unindented line, after no `=>` or `function` on that line,
 * runs when the module loads; one inside a function (a tap's lazy require) runs when that function does.
 * A load-time require taken for a lazy one costs only time (its module comes from the second file, read
 * at once), never correctness: every cross-file require goes through Node's module cache.
 */
async function moduleGraph(packageDir, entry, external) {
  const result = await build({ ...common(packageDir, external), entryPoints: [entry], write: false, metafile: true, outfile: 'graph.js' });
  const graph = new Map();
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    const lines = file.endsWith('.js') ? readFileSync(join(packageDir, file), 'utf8').split('\n') : [];
    const atLoad = (request) =>
      lines.some((l) => {
        const at = Math.max(l.indexOf(`require("${request}")`), l.indexOf(`require('${request}')`));
        return at >= 0 && /^\S/.test(l) && !/=>|function/.test(l.slice(0, at));
      });
    graph.set(
      file,
      input.imports.filter((i) => !i.external).map((i) => ({ path: i.path, atLoad: atLoad(i.original) })),
    );
  }
  return graph;
}

/** The modules reached from `entry` without passing through a `separate` one (only through requires run at load with `atLoad`). */
function reached(graph, entry, separate, atLoad) {
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0)
    for (const next of graph.get(queue.shift()) ?? [])
      if ((!atLoad || next.atLoad) && !seen.has(next.path) && !separate.has(next.path)) {
        seen.add(next.path);
        queue.push(next.path);
      }
  return seen;
}

/** Node's resolution of a relative require from `dir`, for files: `x`, `x.js`, `x/index.js`. */
function resolveFile(dir, request) {
  const base = resolve(dir, request);
  return [base, `${base}.js`, join(base, 'index.js')].find((f) => f.endsWith('.js') && existsSync(f));
}

/** An esbuild plugin: a require of one of `files` (absolute) stays a require of that file's path from dist/. */
function requireByPath(files, distDir) {
  return {
    name: 'require-by-path',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        const file = resolveFile(args.resolveDir, args.path);
        if (!file || !files.has(file)) return undefined;
        return { path: `./${relative(distDir, file)}`, external: true };
      });
    },
  };
}

const rel = (f) => relative('dist', f);

function loadSource(entry, loaded, lazy, groups) {
  const seeds = [...loaded].map((f) => `  [${JSON.stringify(rel(f))}, () => require('./${f}')],`).join('\n');
  const files = lazy.length > 0 ? [[LAZY, lazy], ...groups] : [...groups];
  const elsewhere = files.map(([name, modules]) => `  ${JSON.stringify([name, ...modules.map(rel)])},`).join('\n');
  const all = JSON.stringify([...loaded, ...lazy, ...[...groups.values()].flat()].map(rel));
  return `const Module = require('node:module');
const { join } = require('node:path');
const seeds = [
${seeds}
];
// The other files' modules, as data: a function literal per module made each entry bundle's code cache (and the
// cost of reading it) grow with the modules of its separate groups.
const elsewhere = [
${elsewhere}
];
// A plain append, not path.join: rel is already normalized (no . or .. segments), and a join per module showed
// in the profile of loading the plugins. Not \`new Module\`: its constructor makes a require function (and
// registers a child) per module, which only a module that compiles its own code uses; these never do, their
// code runs in a bundled file. Node's loader reads a cached module's exports and loaded, and nothing else.
function seeded(rel, proto) {
  const file = __dirname + '/' + rel;
  if (require.cache[file]) return undefined;
  const m = Object.create(proto);
  m.id = file;
  m.path = file.slice(0, file.lastIndexOf('/'));
  m.filename = file;
  m.paths = module.paths;
  m.children = [];
  m.loaded = true;
  require.cache[file] = m;
  return m;
}
for (const [rel, load] of seeds) {
  const m = seeded(rel, Module.prototype);
  if (m) Object.defineProperty(m, 'exports', { get: load, configurable: true, enumerable: true });
}
// The other files' modules share one getter, on their prototype, and say where they are bundled: no function
// and no property definition per module.
const held = {};
const Elsewhere = Object.create(Module.prototype, {
  exports: {
    get() {
      return (held[this.bundledIn] ??= require(join(__dirname, this.bundledIn)))[this.bundledAs]();
    },
    configurable: true,
    enumerable: true,
  },
});
for (const [name, ...rels] of elsewhere)
  for (const rel of rels) {
    const m = seeded(rel, Elsewhere);
    if (m) {
      m.bundledIn = name;
      m.bundledAs = rel;
    }
  }
module.exports = require('./${entry}');
if (process.env.MYDOCKER_CODE_CACHE === 'write') {
  const key = ${PRELOAD};
  (globalThis[key] ??= []).push(() => {
    for (const rel of ${all}) {
      try { require(join(__dirname, rel)); } catch { /* not loadable alone: no cache entry */ }
    }
  });
}
`;
}

function lazySource(lazy) {
  return `module.exports = {\n${[...lazy].map((f) => `  ${JSON.stringify(rel(f))}: () => require('./${f}'),`).join('\n')}\n};\n`;
}

/**
 * The separate modules in groups, one file each: each root in `separate` order with every module it reaches
 * outside the two bundles that no earlier root reached. root -> modules (a root an earlier root reaches has
 * none of its own).
 */
function separateGroups(graph, roots, bundled) {
  const owner = new Map();
  for (const root of roots) {
    const seen = new Set([root]);
    const queue = [root];
    while (queue.length > 0)
      for (const next of graph.get(queue.shift()) ?? [])
        if (!seen.has(next.path) && !bundled.has(next.path)) {
          seen.add(next.path);
          queue.push(next.path);
        }
    for (const f of seen) if (!owner.has(f) && f.startsWith('dist/') && f.endsWith('.js')) owner.set(f, root);
  }
  const groups = new Map();
  for (const [f, root] of owner) groups.set(root, [...(groups.get(root) ?? []), f]);
  return groups;
}

/** `dist/drivers/bridge.js` -> `plugin.drivers-bridge.js`, `dist/cp/index.js` -> `plugin.cp.js`. */
function groupFile(root) {
  return `plugin.${rel(root)
    .replace(/\.js$/, '')
    .replace(/\/index$/, '')
    .replaceAll('/', '-')}.js`;
}

async function bundlePlugin(packageDir) {
  const pkg = require(join(packageDir, 'package.json'));
  const external = [...SHARED, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  const entry = pkg.pluginBundle?.entry ?? 'dist/plugin.js';
  const graph = await moduleGraph(packageDir, entry, external);
  const roots = new Set(pkg.pluginBundle?.separate ?? []);
  for (const root of roots) if (!graph.has(root)) throw new Error(`pluginBundle.separate names ${root}, which ${entry} never requires`);
  const loaded = reached(graph, entry, roots, true);
  const lazy = [...reached(graph, entry, roots, false)].filter((f) => !loaded.has(f));
  const groups = new Map([...separateGroups(graph, roots, new Set([...loaded, ...lazy]))].map(([root, files]) => [groupFile(root), files]));
  const distDir = join(packageDir, 'dist');
  const written = new Set([BUNDLE, LAZY, ...groups.keys()]);
  for (const name of groups.keys())
    if (name === BUNDLE || name === LAZY || graph.has(`dist/${name}`) || existsSync(join(distDir, name.replace(/\.js$/, '.d.ts'))))
      throw new Error(`the file of a separate group, dist/${name}, would take the name of another file`);
  // A group file of an earlier build that this one does not write (its root left `separate`): tsc's files have their .d.ts.
  for (const name of readdirSync(distDir))
    if (/^plugin\..+\.js$/.test(name) && !written.has(name) && !existsSync(join(distDir, name.replace(/\.js$/, '.d.ts')))) rmSync(join(distDir, name));
  const grouped = [...groups.values()].flat();
  const abs = (files) => new Set([...files].map((f) => join(packageDir, f)));
  const outfile = join(distDir, BUNDLE);
  await build({
    ...common(packageDir, external),
    stdin: { contents: loadSource(entry, loaded, lazy, groups), resolveDir: packageDir, sourcefile: 'plugin-bundle-entry.js', loader: 'js' },
    outfile,
    plugins: [requireByPath(abs([...lazy, ...grouped]), distDir)],
  });
  const files = new Map(lazy.length > 0 ? [[LAZY, lazy], ...groups] : groups);
  if (lazy.length === 0) rmSync(join(distDir, LAZY), { force: true });
  for (const [name, modules] of files)
    await build({
      ...common(packageDir, external),
      stdin: { contents: lazySource(modules), resolveDir: packageDir, sourcefile: `${name}-entry.js`, loader: 'js' },
      outfile: join(distDir, name),
      plugins: [requireByPath(abs([...loaded, ...lazy, ...grouped].filter((f) => !modules.includes(f))), distDir)],
    });
  return { outfile, loaded: [...loaded], lazy, groups: Object.fromEntries(groups) };
}

module.exports = { bundlePlugin };

if (require.main === module)
  bundlePlugin(process.cwd())
    .then((r) => process.env.BUNDLE_PLUGIN_VERBOSE && console.log(r))
    .catch((err) => {
      console.error(`bundle-plugin: ${err.message}`);
      process.exit(1);
    });
