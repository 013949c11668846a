#!/usr/bin/env node
'use strict';
/**
 * What wiring an engine costs at start-up (the tsyringe container, discovery, every plugin's `apply`):
 * `node bench/wiring.js [REPO]` (REPO defaults to this checkout; give another checkout, e.g. the main
 * branch's, to compare before and after). Prints the median, min and max over BENCH_RUNS (default 30) of
 *  - in-process: `createEngineFromInstalled` with the installed plugins, plus the CLI's flag declarations
 *    (the first call, module loading included, is reported apart as "cold");
 *  - a whole process: `mydocker ps` against an empty throw-away root, and `mydocker --version` (no wiring).
 * Nothing is written outside a temporary directory, which is removed.
 */
const { execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const repo = resolve(process.argv[2] ?? join(__dirname, '..'));
const runs = Number(process.env.BENCH_RUNS ?? 30);
const dir = mkdtempSync(join(tmpdir(), 'mydocker-wiring-'));
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};
const fmt = (ms) => `${ms.toFixed(2)} ms`;

try {
  const env = { ...process.env, MYDOCKER_ROOT: join(dir, 'root'), MYDOCKER_RUNROOT: join(dir, 'run'), MYDOCKER_CONFIG: '/dev/null/none' };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.MYDOCKER_CONFIG;
  Object.assign(process.env, { MYDOCKER_ROOT: env.MYDOCKER_ROOT, MYDOCKER_RUNROOT: env.MYDOCKER_RUNROOT });
  const cliDir = join(repo, 'packages/cli');
  const t0 = performance.now();
  const core = require(join(repo, 'packages/core/dist/index.js'));
  const config = core.loadConfig({ flags: { root: env.MYDOCKER_ROOT, runRoot: env.MYDOCKER_RUNROOT } });
  const wire = () => core.createEngineFromInstalled(config, { cliDir });
  wire();
  const cold = performance.now() - t0;
  const warm = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    wire();
    warm.push(performance.now() - start);
  }
  const bin = join(cliDir, 'bin/mydocker');
  const proc = (args) => {
    const xs = [];
    execFileSync(bin, args, { env, stdio: 'ignore' });
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      execFileSync(bin, args, { env, stdio: 'ignore' });
      xs.push(performance.now() - start);
    }
    return stats(xs);
  };
  const rows = [
    ['wiring, cold (first call, modules loaded)', { median: cold, min: cold, max: cold }],
    ['wiring, warm (createEngineFromInstalled)', stats(warm)],
    ['process: mydocker ps (empty root)', proc(['ps'])],
    ['process: mydocker --version', proc(['--version'])],
  ];
  console.log(`${repo} (${runs} runs)\n`);
  console.log('| measure | median | min | max |\n|---|---|---|---|');
  for (const [name, s] of rows) console.log(`| ${name} | ${fmt(s.median)} | ${fmt(s.min)} | ${fmt(s.max)} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
