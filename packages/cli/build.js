#!/usr/bin/env node
'use strict';
/**
 * Bundles the compiled CLI (dist/main.js from tsc, so decorator metadata is already emitted) with its
 * own dependencies into one file, dist/mydocker.js, that the bin loads: one file read and compile instead of
 * dozens of module resolutions at every command.
 *
 * `@mydocker/*` stay external: plugins are separate packages found at run time and all of them must share
 * one instance of core with the CLI (tsyringe's registry and the error classes that plugins test with
 * instanceof are module state).
 */
const { buildSync } = require('esbuild');
const { join } = require('node:path');

buildSync({
  entryPoints: [join(__dirname, 'dist/main.js')],
  outfile: join(__dirname, 'dist/mydocker.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['@mydocker/*'],
  logLevel: 'warning',
  legalComments: 'none',
});
