#!/usr/bin/env node
'use strict';
/**
 * A built-in plugin's `mydocker.plugin` entry as ONE file: `node ../../scripts/bundle-plugin.js [entry]`, run
 * by a plugin package's build after tsc, bundles `dist/<entry>` (default `plugin.js`; tsc's output, so the
 * decorator metadata is already emitted) and every module it requires into `dist/plugin.bundle.js`.
 *
 * Why: a `run --rm` opened ~100 plugin module files, each ~0.5 ms to resolve, stat, read and compile even
 * with the code cache (bench/README.md, fifth pass). One file per plugin is one resolution, one read.
 *
 * What stays outside the bundle (required at run time, as before):
 * - `@mydocker/*` (core above all), tsyringe, tapable and reflect-metadata: the plugin must share the CLI's
 *   single instances (errors tested with instanceof, tsyringe's registry, tapable's classes). The CLI's
 *   bundle seeds Node's module cache with its copies under the paths `require('@mydocker/core')` resolves
 *   to from here, so the plugin gets them; a plugin installed alone loads the installed core.
 * - The package's own npm dependencies (tar, undici, write-file-atomic, ...): npm dedupes and updates them,
 *   and most are loaded only by the commands that need them.
 * - Programs run as their own process (`*-main.js`, found by path): they are not required, so not bundled.
 * The modules a plugin requires inside a function (its taps' lifecycle, a driver, the pull path) stay lazy:
 * esbuild wraps each CommonJS module so that its body runs on its first `require`.
 *
 * The package's tsc output stays as it is: `index.js` is its public face (types and API for third-party
 * authors), the bundle only the plugin entry. The CLI's code cache (packages/cli/bin/load-bundle.js) covers
 * the bundle: while the cache is written (MYDOCKER_CODE_CACHE=write), the bundle registers a function that
 * requires each of its modules, so the modules a real `run` loads in its taps are compiled (and cached) too.
 */
const { build } = require('esbuild');
const { join, relative } = require('node:path');

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

/** The modules of the package that `entry` reaches (relative to the package), from esbuild's metafile. */
async function reachedModules(packageDir, entry, external) {
  const result = await build({ ...common(packageDir, external), entryPoints: [entry], write: false, metafile: true, outfile: 'x.js' });
  return Object.keys(result.metafile.inputs).filter((f) => f.startsWith('dist/') && f.endsWith('.js') && f !== entry);
}

async function bundlePlugin(packageDir, entryName = 'plugin.js') {
  const pkg = require(join(packageDir, 'package.json'));
  const external = [...SHARED, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  const entry = `dist/${entryName}`;
  const modules = await reachedModules(packageDir, entry, external);
  const requires = modules.map((f) => `    try { require('./${f}'); } catch {}`).join('\n');
  const contents = `module.exports = require('./${entry}');
if (process.env.MYDOCKER_CODE_CACHE === 'write') {
  const key = ${PRELOAD};
  (globalThis[key] ??= []).push(() => {
${requires}
  });
}
`;
  const outfile = join(packageDir, 'dist/plugin.bundle.js');
  await build({
    ...common(packageDir, external),
    stdin: { contents, resolveDir: packageDir, sourcefile: 'plugin-bundle-entry.js', loader: 'js' },
    outfile,
  });
  return relative(packageDir, outfile);
}

module.exports = { bundlePlugin };

if (require.main === module)
  bundlePlugin(process.cwd(), process.argv[2]).catch((err) => {
    console.error(`bundle-plugin: ${err.message}`);
    process.exit(1);
  });
