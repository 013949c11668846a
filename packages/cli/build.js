#!/usr/bin/env node
'use strict';
/**
 * Bundles the compiled CLI (dist/main.js from tsc, so decorator metadata is already emitted) with core,
 * yargs, tapable and tsyringe into one file, dist/mydocker.js, that the bin loads: one file to read and
 * compile instead of about a hundred module resolutions on every command.
 *
 * Plugins stay separate packages found at run time, and they must share ONE instance of core with the
 * CLI (errors tested with instanceof, tsyringe's registry of injectable classes, tapable's classes). So the
 * bundle's first act is to put its copies of @mydocker/core, tsyringe and tapable into Node's module
 * cache under the paths a plugin's `require('@mydocker/core')` resolves to: a plugin then gets the
 * bundled instance and nothing is loaded twice. A plugin with its own nested copy of core would still
 * load that copy, as it would without the bundle.
 */
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { rmSync } = require('node:fs');
// The esbuild set-up (and the module-cache entry described above) is shared with packages/oci-runtime.
const { bundleWithCore } = require('../../scripts/bundle-with-core');

// --cache-only: the code caches alone, again, once every plugin is built (the root `npm run build` ends
// with it: lerna builds this package beside the plugins, as it depends on core only, so the caches made
// by its own build may name plugin files that were rebuilt after, which then load without cache).
// Whitespace removed (names kept, so stack traces and class names read as before): the bundle is ~30 %
// smaller to read on every command (bench/README.md, fourth pass: "modules loaded" −7 ms).
if (process.argv.includes('--cache-only')) writeCodeCache();
else
  bundleWithCore(__dirname, join(__dirname, 'dist/mydocker.js'), { minifyWhitespace: true })
    .then(writeCodeCache)
    .catch(() => process.exit(1));

/**
 * V8's code cache for the bundle (bin/load-bundle.js): `mydocker run --help` loads the bundle, applies
 * the plugins and parses a `run` command line, so the cache holds the functions every command and `run`
 * need; bin/load-bundle.js writes it on exit, and dist/modules.cache for the plugin modules that command
 * loaded. Without them (this step failed) commands only compile more.
 */
function writeCodeCache() {
  // The commands' own caches (bin/load-bundle.js) were made from the previous build: the next run of each
  // command writes its cache again.
  rmSync(join(__dirname, 'dist/code-cache'), { recursive: true, force: true });
  const env = { ...process.env, MYDOCKER_CODE_CACHE: 'write' };
  delete env.MYDOCKER_TRACE;
  const r = spawnSync(process.execPath, ['--', join(__dirname, 'bin/mydocker'), 'run', '--help'], { env, encoding: 'utf8' });
  if (r.status !== 0) process.stderr.write(`build.js: no code cache (mydocker run --help exited ${r.status}): ${r.stderr}\n`);
}
