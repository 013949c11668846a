#!/usr/bin/env node
'use strict';
/**
 * Bundles the compiled runtime with core (and core's tsyringe and tapable) into dist/mydocker-oci.js with the
 * CLI's esbuild set-up (scripts/bundle-with-core.js): one file to read instead of a hundred module
 * resolutions, on every command containerd or conmon runs; the plugins found at run time (namespaces,
 * cgroups) share that one instance of core.
 */
const { join } = require('node:path');
const { bundleWithCore } = require('../../scripts/bundle-with-core');

bundleWithCore(__dirname, join(__dirname, 'dist/mydocker-oci.js')).catch(() => process.exit(1));
