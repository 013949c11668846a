'use strict';
// The floor of a "policy in Node, execution in C" split of `mydocker run --rm` (issue 17): Node boots, loads
// nothing of mydocker (no bundle, no plugins, no policy at all), hands the container to the native runtime
// (argv[2..]) and waits for it. Whatever Node's deciding would cost comes on top of this.
const r = require('node:child_process').spawnSync(process.argv[2], process.argv.slice(3), { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
