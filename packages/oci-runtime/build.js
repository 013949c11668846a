#!/usr/bin/env node
'use strict';
/**
 * Bundles the compiled runtime with core (and core's tsyringe and tapable) into dist/mydocker-oci.js, as the
 * CLI's build.js does for `mydocker`: one file to read instead of a hundred module resolutions, on every
 * command containerd or conmon runs. The plugins found at run time (namespaces, cgroups) must share that
 * one instance of core, so the bundle first puts its copies into Node's module cache under the paths a
 * plugin's `require('@mydocker/core')` resolves to.
 */
const { build } = require('esbuild');
const { join } = require('node:path');

const entry = `
const Module = require('node:module');
const { dirname } = require('node:path');
const shared = { '@mydocker/core': () => require('@mydocker/core'), tsyringe: () => require('tsyringe'), tapable: () => require('tapable') };
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

build({
  stdin: { contents: entry, resolveDir: __dirname, sourcefile: 'bundle-entry.js', loader: 'js' },
  outfile: join(__dirname, 'dist/mydocker-oci.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'error',
  legalComments: 'none',
}).catch(() => process.exit(1));
