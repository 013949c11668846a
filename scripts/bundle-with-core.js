'use strict';
/**
 * The esbuild set-up shared by packages/cli/build.js (`mydocker`) and packages/oci-runtime/build.js
 * (`mydocker-oci`): bundles a package's compiled dist/main.js with @mydocker/core, tsyringe and tapable into
 * one file — one file to read and compile instead of about a hundred module resolutions on every command.
 *
 * Plugins stay separate packages found at run time, and they must share ONE instance of core with the
 * bundle (errors tested with instanceof, tsyringe's registry of injectable classes, tapable's classes). So
 * the bundle's first act is to put its copies of @mydocker/core, tsyringe and tapable into Node's module
 * cache under the paths a plugin's `require('@mydocker/core')` resolves to: a plugin then gets the bundled
 * instance and nothing is loaded twice. A plugin with its own nested copy of core would still load that
 * copy, as it would without the bundle.
 */
const { build } = require('esbuild');

const ENTRY = `
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

/**
 * Bundles `<packageDir>/dist/main.js` (tsc's output, decorator metadata already emitted) into `outfile`.
 * `options` are further esbuild options of the caller (the CLI's `minifyWhitespace`); none by default.
 */
function bundleWithCore(packageDir, outfile, options = {}) {
  return build({
    stdin: { contents: ENTRY, resolveDir: packageDir, sourcefile: 'bundle-entry.js', loader: 'js' },
    outfile,
    ...NODE_BUNDLE,
    ...options,
  });
}

/** The esbuild options every bundle of the tree shares (the CLI's, mydocker-oci's, the plugins'). */
const NODE_BUNDLE = Object.freeze({
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'error',
  legalComments: 'none',
});

module.exports = { bundleWithCore, NODE_BUNDLE };
