#!/usr/bin/env node
'use strict';
/**
 * Bundles the compiled runtime with core (and core's tsyringe and tapable) into dist/mydocker-oci.js with the
 * CLI's esbuild set-up (scripts/bundle-with-core.js): one file to read instead of a hundred module
 * resolutions, on every command containerd or conmon runs; the plugins found at run time (namespaces,
 * cgroups) share that one instance of core.
 *
 * Then compiles the native front (native/*.c) into bin/mydocker-oci, static like the namespaces helper: it
 * answers state/start/kill/delete itself, `--version` and `features` from files made here by the Node
 * runtime, and execs Node (`node` on PATH, else the Node that built it) with bin/mydocker-oci-node for the rest.
 */
const { execFileSync } = require('node:child_process');
const { readdirSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { bundleWithCore } = require('../../scripts/bundle-with-core');

function buildFront() {
  const dir = join(__dirname, 'native');
  const sources = readdirSync(dir)
    .filter((f) => f.endsWith('.c'))
    .map((f) => join(dir, f));
  const out = join(__dirname, 'bin/mydocker-oci');
  const tmp = `${out}.${process.pid}`;
  execFileSync('gcc', ['-O2', '-s', '-Wall', '-Wextra', '-static', `-DNODE_FALLBACK="${process.execPath}"`, '-o', tmp, ...sources, '-ljson-c'], {
    stdio: 'inherit',
  });
  renameSync(tmp, out);
  // What the front prints for `--version` and `features`: the Node runtime's own answers, made once here.
  const node = (args) => execFileSync(process.execPath, [join(__dirname, 'bin/mydocker-oci-node'), ...args], { env: {} });
  writeFileSync(join(__dirname, 'dist/front-version.txt'), node(['--version']));
  writeFileSync(join(__dirname, 'dist/front-features.json'), node(['features']));
}

bundleWithCore(__dirname, join(__dirname, 'dist/mydocker-oci.js'))
  .then(buildFront)
  .catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
