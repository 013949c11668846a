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
const { build } = require('esbuild');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const entry = `
const Module = require('node:module');
const { dirname } = require('node:path');
const shared = {
  '@mydocker/core': () => require('@mydocker/core'),
  tsyringe: () => require('tsyringe'),
  tapable: () => require('tapable'),
};
// Resolve from core's folder, as core's own requires of tsyringe/tapable would.
let coreFile;
try { coreFile = require.resolve('@mydocker/core'); } catch { coreFile = undefined; }
for (const [name, load] of Object.entries(shared)) {
  let file;
  try { file = require.resolve(name, coreFile ? { paths: [dirname(coreFile)] } : undefined); } catch { continue; }
  if (require.cache[file]) continue;
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(dirname(file));
  m.exports = load();
  m.loaded = true;
  require.cache[file] = m;
}
module.exports = require('./dist/main.js');
`;

// --cache-only: the code caches alone, again, once every plugin is built (the root `npm run build` ends
// with it: lerna builds this package beside the plugins, as it depends on core only, so the caches made
// by its own build may name plugin files that were rebuilt after, which then load without cache).
if (process.argv.includes('--cache-only')) writeCodeCache();
else
  build({
    stdin: { contents: entry, resolveDir: __dirname, sourcefile: 'bundle-entry.js', loader: 'js' },
    outfile: join(__dirname, 'dist/mydocker.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
    legalComments: 'none',
  })
    .then(writeCodeCache)
    .catch(() => process.exit(1));

/**
 * V8's code cache for the bundle (bin/load-bundle.js): `mydocker run --help` loads the bundle, applies
 * the plugins and parses a `run` command line, so the cache holds the functions every command and `run`
 * need; bin/load-bundle.js writes it on exit, and dist/modules.cache for the plugin modules that command
 * loaded. Without them (this step failed) commands only compile more.
 */
function writeCodeCache() {
  const env = { ...process.env, MYDOCKER_CODE_CACHE: 'write' };
  delete env.MYDOCKER_TRACE;
  const r = spawnSync(process.execPath, ['--', join(__dirname, 'bin/mydocker'), 'run', '--help'], { env, encoding: 'utf8' });
  if (r.status !== 0) process.stderr.write(`build.js: no code cache (mydocker run --help exited ${r.status}): ${r.stderr}\n`);
}
