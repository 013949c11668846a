'use strict';
/**
 * The dependency-injection start-up cost every command pays (issue 16's target: under 3 ms), measured in
 * this process against a build (`packages/core/dist`) and its installed plugins:
 *  - `setup`: what tsyringe adds — a child container with the config, bus, engine, clock and spawner
 *    registered (`createEngine(config, [])`), then every installed plugin class resolved through it
 *    (`container.resolve`, its `@inject`ed constructor arguments included). Discovery's file reads and
 *    the plugins' `apply` are left out: they are not injection and would be paid without it.
 *  - `wiring`: the whole `createEngineFromInstalled` (discovery, resolution and every `apply`), for scale.
 * The first call of each loads modules and is not counted; the rest are warm, as every command after
 * Node has loaded them. Times in ms, rounded to 0.01.
 */
const path = require('node:path');

const round2 = (x) => Math.round(x * 100) / 100;

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median: round2(median), min: round2(s[0]), max: round2(s[s.length - 1]), runs: s.length };
}

function timeRuns(runs, fn) {
  fn(); // modules loaded, caches filled
  const xs = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    xs.push(performance.now() - start);
  }
  return stats(xs);
}

/** `{ setup, wiring, plugins }` for the build in `repo`, with roots under `dir` (nothing is written there). */
function benchDi({ repo, dir, runs }) {
  const core = require(path.join(repo, 'packages/core/dist/index.js'));
  const config = core.loadConfig({ env: {}, flags: { root: path.join(dir, 'di-root'), runRoot: path.join(dir, 'di-run') } });
  const cliDir = path.join(repo, 'packages/cli');
  const classes = core.discoverPlugins({ cliDir, extra: [] }).map((entry) => core.loadPluginClass(entry));
  const setup = timeRuns(runs, () => {
    const { container } = core.createEngine(config, []);
    for (const cls of classes) container.resolve(cls);
  });
  const wiring = timeRuns(runs, () => core.createEngineFromInstalled(config, { cliDir }));
  return { setup, wiring, plugins: classes.length, targetMs: 3 };
}

module.exports = { benchDi };
