#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: mydocker against runc (and Podman where installed) on the same busybox root
 * filesystem, in one run. Prints a table and writes bench/results/<date>.json.
 *
 * Everything runs in throw-away roots (a tmp dir, a unique cgroup parent, a private runc state dir) and
 * is removed at the end, also after a failure. NODE_EXTRA_CA_CERTS is unset for every measured command:
 * it costs tens of milliseconds per Node start and has nothing to do with containers.
 *
 * Environment: BENCH_RUNS (default 20) repetitions per measurement; BENCH_PS_SIZES (default
 * "10,100,1000") the container counts for `ps -a`; BENCH_JOBS (default: CPUs) how many containers are
 * created at once to fill the store for `ps`.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..');
// BENCH_BIN: another build's bin (e.g. a worktree of the commit before a change), for before/after runs.
const BIN = process.env.BENCH_BIN ? path.resolve(process.env.BENCH_BIN) : path.join(REPO, 'packages/cli/bin/mydocker');
const OCI_BIN = path.join(REPO, 'packages/oci-runtime/bin/mydocker-oci');
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 20));
const PS_SIZES = (process.env.BENCH_PS_SIZES ?? '10,100,1000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const JOBS = Math.max(1, Number(process.env.BENCH_JOBS ?? os.cpus().length));
const PARALLEL = 20;
// BENCH_PARALLEL_ROUNDS: how many times the 20 parallel run -d are timed (default max(3, BENCH_RUNS / 4)).
const PARALLEL_ROUNDS = Math.max(1, Number(process.env.BENCH_PARALLEL_ROUNDS ?? Math.max(3, Math.ceil(RUNS / 4))));
const RSS_CONTAINERS = 5;
const PULL_RUNS = Math.max(1, Number(process.env.BENCH_PULL_RUNS ?? 3));
const { benchPull } = require('./pull');
const { benchPodman } = require('./podman');
const { benchEngineApi } = require('./engine-api');
const { benchDi } = require('./di');

if (process.getuid?.() !== 0) {
  console.error('The benchmark runs containers: run it as root.');
  process.exit(1);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-bench-'));
const tag = path
  .basename(dir)
  .replace(/[^a-zA-Z0-9]/g, '')
  .slice(-8);
const cgroupParent = `mydocker-bench-${tag}`;
const runcRoot = path.join(dir, 'runc-state');
const bundle = path.join(dir, 'bundle');

// Like for like: runc and crun run the bundle with no network and Podman runs with `--network none`, so
// mydocker's runs use no network either (its default is Docker's `bridge` network: a veth per container).
const benchConfig = path.join(dir, 'config.json');
fs.writeFileSync(benchConfig, JSON.stringify({ pluginOptions: { network: { defaultNetwork: 'none' } } }));
const env = {
  ...process.env,
  MYDOCKER_ROOT: path.join(dir, 'root'),
  MYDOCKER_RUNROOT: path.join(dir, 'run'),
  MYDOCKER_CGROUP_PARENT: cgroupParent,
  MYDOCKER_CONFIG: benchConfig,
};
delete env.NODE_EXTRA_CA_CERTS;
delete env.MYDOCKER_TRACE;

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function version(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : undefined;
}

const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/**
 * CPU time (user + system, ms) of every child this process has waited for, and their waited-for
 * descendants: fields 16 and 17 of /proc/self/stat. A process that leaves the tree before it ends (Podman's
 * conmon, a detached monitor) is not counted: the kernel adds a child's time to its parent's only on wait.
 */
function childCpuMs() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * TICK_MS;
}

/** Runs a command to completion and returns its wall time in ms; throws on a non-zero exit. */
function timed(cmd, args, extraEnv = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: { ...env, ...extraEnv }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) {
    const said = (r.stderr || r.stdout || String(r.error ?? '')).trim();
    throw Object.assign(new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${said}`), { said: `${path.basename(cmd)} exited ${r.status}: ${said}` });
  }
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

const mydocker = (...args) => timed(process.execPath, [BIN, ...args]);
// BENCH_BEFORE_BIN: a build of the commit before a change; its run --rm, detached cycle and monitor memory
// are measured right beside this build's, in the same run and the same store, as the "before" rows.
const BEFORE_BIN = process.env.BENCH_BEFORE_BIN ? path.resolve(process.env.BENCH_BEFORE_BIN) : undefined;
const before = (...args) => timed(process.execPath, [BEFORE_BIN, ...args]);
const runc = (...args) => timed('runc', ['--root', runcRoot, ...args]);
// BENCH_OCI_BEFORE_BIN: another build's packages/oci-runtime/bin/mydocker-oci, alternated with this one's.
const OCI_BEFORE_BIN = process.env.BENCH_OCI_BEFORE_BIN ? path.resolve(process.env.BENCH_OCI_BEFORE_BIN) : undefined;

function asyncRun(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/**
 * Like measure, for several commands alternated run by run, so each meets the same load (the machine is
 * shared and its load moves within seconds): { name: stats + cpuMs }.
 */
function measureAlternated(fns, runs = RUNS) {
  const names = Object.keys(fns);
  for (const n of names) fns[n](-1);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const cpu = Object.fromEntries(names.map((n) => [n, 0]));
  for (let i = 0; i < runs; i++) {
    for (const n of names) {
      const c0 = childCpuMs();
      samples[n].push(fns[n](i));
      cpu[n] += childCpuMs() - c0;
    }
  }
  return Object.fromEntries(names.map((n) => [n, { ...stats(samples[n]), cpuMs: round(cpu[n] / runs) }]));
}

/**
 * What conmon and containerd's shim do for a short container: `create`, `start`, `state` until stopped,
 * `delete` — four runtime processes. `create`'s stdio is not a pipe: the container inherits it and would
 * hold the pipe open. Returns the wall time in ms.
 */
function ociCycle(runtime, id) {
  const begin = process.hrtime.bigint();
  const call = (args, capture) => {
    const [cmd, argv] = runtime(args);
    const r = spawnSync(cmd, argv, { env, encoding: 'utf8', stdio: ['ignore', capture ? 'pipe' : 'ignore', capture ? 'pipe' : 'ignore'] });
    if (r.status !== 0)
      throw Object.assign(new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr ?? ''}`), {
        said: `${path.basename(cmd)} ${args[0]} exited ${r.status}`,
      });
    return r.stdout;
  };
  call(['create', '--bundle', bundle, id], false);
  call(['start', id], true);
  while (JSON.parse(call(['state', id], true)).status !== 'stopped') {
    /* /bin/true ends at once: poll as conmon does */
  }
  call(['delete', id], true);
  return Number(process.hrtime.bigint() - begin) / 1e6;
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median: round(median), min: round(s[0]), max: round(s[s.length - 1]), runs: s.length };
}

const round = (x) => Math.round(x * 10) / 10;

/**
 * Times `fn` RUNS times after one unmeasured warm-up. `cpuMs` is the mean CPU time per run of the
 * processes `fn` waited for (the clock tick is 10 ms, so a per-run median would be too coarse).
 */
function measure(fn, runs = RUNS) {
  fn(-1);
  const samples = [];
  const cpu0 = childCpuMs();
  for (let i = 0; i < runs; i++) samples.push(fn(i));
  return { ...stats(samples), cpuMs: round((childCpuMs() - cpu0) / runs) };
}

/**
 * A peer (runc, crun, Podman) that is missing or cannot run here is reported with the reason, never a
 * crash of the whole bench: returns the measurement or { unavailable: reason }.
 */
function peer(name, fn) {
  try {
    return fn();
  } catch (err) {
    return unavailable(name, err);
  }
}

async function peerAsync(name, fn) {
  try {
    return await fn();
  } catch (err) {
    return unavailable(name, err);
  }
}

function unavailable(name, err) {
  const reason = String(err.said ?? err.message ?? err)
    .split('\n')
    .filter(Boolean)
    .slice(0, 2)
    .join(' ')
    .slice(0, 240);
  process.stderr.write(`bench: ${name} not measurable: ${reason}\n`);
  return { unavailable: reason };
}

/**
 * crun refuses a hybrid cgroup layout (v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified:
 * "cgroups in hybrid mode not supported"). It works in a private mount namespace where that cgroup2
 * mount is gone: `unshare -m` (private propagation, so the host keeps its mount) + umount + exec crun.
 */
function crunCommand(args) {
  const hybrid = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === '/sys/fs/cgroup/unified' && / - cgroup2 /.test(l));
  if (!hybrid) return ['crun', args];
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['unshare', ['-m', '--propagation', 'private', 'sh', '-c', `umount /sys/fs/cgroup/unified && exec crun ${quoted}`]];
}

function makeBundle() {
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  mydocker('run', '--name', 'bench-export', 'busybox', '/bin/true');
  const tar = path.join(dir, 'busybox.tar');
  mydocker('export', '-o', tar, 'bench-export');
  mydocker('rm', 'bench-export');
  const x = spawnSync('tar', ['-xf', tar, '-C', path.join(bundle, 'rootfs')], { encoding: 'utf8' });
  if (x.status !== 0) throw new Error(`tar -xf failed: ${x.stderr}`);
  const s = spawnSync('runc', ['spec'], { cwd: bundle, encoding: 'utf8' });
  if (s.status !== 0) throw new Error(`runc spec failed: ${s.stderr}`);
  const specPath = path.join(bundle, 'config.json');
  const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['/bin/true'];
  spec.root = { path: 'rootfs', readonly: false };
  // Same cgroup parent as mydocker's containers, so both pay for the same cgroup work and clean-up is one place.
  spec.linux.cgroupsPath = `/${cgroupParent}/runc-bench`;
  fs.writeFileSync(specPath, JSON.stringify(spec, null, 2));
}

/** Parses MYDOCKER_TRACE lines ("[trace] ABS ms +DELTA phase") into {phase: delta}. */
function parseTrace(stderr) {
  const phases = {};
  for (const line of stderr.split('\n')) {
    const m = /^\[trace\]\s+([\d.]+) ms\s+\+\s*([\d.]+)\s+(.+)$/.exec(line);
    if (m) phases[m[3]] = (phases[m[3]] ?? 0) + Number(m[2]);
  }
  return phases;
}

/**
 * A process's memory from /proc/PID/smaps_rollup (KiB): `pss` (its share of every page it maps: private
 * pages whole, shared ones divided by their users) and `private` (pages no other process maps). RSS
 * would count a shared binary's pages once per process.
 */
function pss(pid) {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { pss: kib('Pss'), private: kib('Private_Clean') + kib('Private_Dirty'), rss: kib('Rss') };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function fillStore(target, have) {
  let next = have;
  const worker = async () => {
    while (next < target) {
      next++;
      // Named: generated names are drawn from a small space and collide within a thousand containers.
      await asyncRun(process.execPath, [BIN, 'run', '-d', '--name', `bench-ps-${next}`, 'busybox', 'true']);
    }
  };
  await Promise.all(Array.from({ length: JOBS }, worker));
  // Detached containers finish on their own; wait until every one is recorded as stopped.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const running = mydocker('ps', '-a', '--filter', 'status=running', '-q').stdout.split('\n').filter(Boolean).length;
    if (running === 0) break;
    if (Date.now() > deadline) throw new Error(`${running} containers still running after 2 minutes`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // ...and until their monitors' clean-up commands (which name our root) have finished too.
  while (busy().length > 0) {
    if (Date.now() > deadline) throw new Error(`clean-up processes still running: ${busy().join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** PIDs of processes (other than this one) whose command line names the throw-away root. */
function busy() {
  const pids = [];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) pids.push(pid);
    } catch {
      /* gone */
    }
  }
  return pids;
}

function cleanup() {
  const problems = [];
  try {
    const ids = spawnSync(process.execPath, [BIN, 'ps', '-a', '-q'], { env, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (let i = 0; i < ids.length; i += 200) spawnSync(process.execPath, [BIN, 'rm', '-f', '-v', ...ids.slice(i, i + 200)], { env, encoding: 'utf8' });
  } catch (err) {
    problems.push(`rm: ${err.message}`);
  }
  // Monitors of detached containers run a clean-up command when their container ends: let them finish
  // before the root goes, or they would write into it again.
  const until = Date.now() + 15_000;
  while (busy().length > 0 && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  if (fs.existsSync(runcRoot)) {
    for (const id of fs.readdirSync(runcRoot)) spawnSync('runc', ['--root', runcRoot, 'delete', '-f', id]);
  }
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (mp && mp.startsWith(dir)) problems.push(`mount left: ${mp}`);
  }
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const p = path.join('/sys/fs/cgroup', h, cgroupParent);
    if (!fs.existsSync(p)) continue;
    // runc leaves its parent directory; mydocker's own plugin removes its parent when it empties.
    try {
      for (const child of fs.readdirSync(p, { withFileTypes: true })) if (child.isDirectory()) fs.rmdirSync(path.join(p, child.name));
      fs.rmdirSync(p);
    } catch (err) {
      problems.push(`cgroup left: ${p} (${err.code})`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return problems;
}

async function main() {
  const results = {
    date: new Date().toISOString(),
    machine: {
      host: os.hostname(),
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryMiB: Math.round(os.totalmem() / 2 ** 20),
      kernel: os.release(),
      node: process.version,
    },
    note: 'NODE_EXTRA_CA_CERTS unset for every measured command. Times in milliseconds.',
    runs: RUNS,
    loadBefore: os.loadavg(),
    tools: {},
    measurements: {},
  };
  const hasRunc = Boolean(which('runc'));
  const hasPodman = Boolean(which('podman'));
  const hasCrun = Boolean(which('crun'));
  results.tools = {
    mydocker: mydocker('version').stdout.trim(),
    runc: hasRunc ? version('runc', ['--version']) : 'not installed',
    crun: hasCrun ? version('crun', ['--version']) : 'not installed',
    podman: hasPodman ? version('podman', ['--version']) : 'not installed',
  };
  const m = results.measurements;
  const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

  // In process and cheap: the injection container's start-up cost (target < 3 ms), before any container runs.
  if (process.env.BENCH_ONLY !== 'pull') {
    log(`DI start-up: tsyringe container set-up + plugin resolution × ${Math.max(RUNS, 30)}`);
    m.di = benchDi({ repo: REPO, dir, runs: Math.max(RUNS, 30) });
  }
  // BENCH_ONLY=pull: the registry pull comparison alone.
  if (process.env.BENCH_ONLY !== 'pull') await benchRuns(results, m, log, { hasRunc, hasPodman, hasCrun });
  // BENCH_ONLY=runs: everything but the registry pull; BENCH_ONLY=run: the single-run rows alone.
  if (!['runs', 'run', 'oci'].includes(process.env.BENCH_ONLY)) {
    log(`pull of a big image from a local registry: mydocker vs skopeo${hasPodman ? ' vs podman' : ''} (${PULL_RUNS} runs after a warm-up)`);
    m.pull = await benchPull({ dir, env, bin: BIN, runs: PULL_RUNS, stats, which, log });
  }
  results.loadAfter = os.loadavg();
  return results;
}

async function benchRuns(results, m, log, { hasRunc, hasPodman, hasCrun }) {
  log('preparing the busybox image and an OCI bundle of the same root filesystem');
  mydocker('run', '--rm', 'busybox', '/bin/true'); // builds the busybox image on first use
  makeBundle();
  m.nodeStart = measure(() => timed(process.execPath, ['-e', '0']).ms);
  // BENCH_ONLY=oci: mydocker-oci and runc alternated, alone.
  if (process.env.BENCH_ONLY === 'oci') {
    if (hasRunc) benchOciAlternated(m, hasCrun);
    return;
  }

  log(`run --rm busybox /bin/true × ${RUNS}${BEFORE_BIN ? ', alternated with BENCH_BEFORE_BIN, runc and node -e 0' : ''}`);
  if (BEFORE_BIN) {
    // Before and after alternated run by run (with runc and node -e 0, the target's terms), so that all
    // four meet the same load: a block of "after" runs followed by a block of "before" runs measured
    // the load's drift between the blocks more than the change.
    const runcWorks = hasRunc && !peer('runc', () => runc('run', '--bundle', bundle, 'bench-probe')).unavailable;
    const alt = measureAlternated({
      runTrue: () => mydocker('run', '--rm', 'busybox', '/bin/true').ms,
      runTrueBefore: () => before('run', '--rm', 'busybox', '/bin/true').ms,
      nodeStart: () => timed(process.execPath, ['-e', '0']).ms,
      ...(runcWorks ? { runcTrue: (i) => runc('run', '--bundle', bundle, `bench-${i + 1}`).ms } : {}),
    });
    Object.assign(m, alt);
    if (hasRunc && !runcWorks) m.runcTrue = peer('runc', () => runc('run', '--bundle', bundle, 'bench-probe-2'));
  } else {
    m.runTrue = measure(() => mydocker('run', '--rm', 'busybox', '/bin/true').ms);
    if (hasRunc) m.runcTrue = peer('runc', () => measure((i) => runc('run', '--bundle', bundle, `bench-${i + 1}`).ms));
  }
  // mydocker-oci on the very same bundle (its own state root): the runc command line over mydocker's helper.
  m.ociTrue = peer('mydocker-oci', () =>
    measure((i) => timed(OCI_BIN, ['--root', path.join(dir, 'oci-state'), 'run', '--bundle', bundle, `bench-oci-${i + 1}`]).ms),
  );
  if (hasRunc) benchOciAlternated(m, hasCrun);
  if (hasCrun) {
    m.crunTrue = peer('crun', () =>
      measure((i) => {
        const [cmd, args] = crunCommand(['--root', runcRoot, 'run', '--bundle', bundle, `bench-crun-${i + 1}`]);
        return timed(cmd, args).ms;
      }),
    );
  }
  if (hasPodman) {
    const parallelRounds = PARALLEL_ROUNDS;
    await benchPodman(m, { timed, measure, peer, peerAsync, stats, asyncRun, pss, sleep, dir, parallel: PARALLEL, parallelRounds, idle: RSS_CONTAINERS, log });
  }

  // The docker client through the Engine API service, on the same store and image.
  await benchEngineApi(m, { timed, measure, peerAsync, sleep, dir, bin: BIN, env, log });

  // BENCH_ONLY=run: the single-run rows alone (mydocker, runc, mydocker-oci, crun, podman on one rootfs).
  if (process.env.BENCH_ONLY === 'run') return;
  log('phase breakdown (MYDOCKER_TRACE=1)');
  const traces = [];
  for (let i = 0; i < RUNS; i++) traces.push(parseTrace(timed(process.execPath, [BIN, 'run', '--rm', 'busybox', '/bin/true'], { MYDOCKER_TRACE: '1' }).stderr));
  m.phases = {};
  for (const phase of Object.keys(traces[0])) m.phases[phase] = stats(traces.map((t) => t[phase] ?? 0));

  log('detached cycle: run -d top, stop, rm');
  const cycle = (cli) => () => {
    const run = cli('run', '-d', 'busybox', 'top');
    const id = run.stdout.trim();
    return run.ms + cli('stop', id).ms + cli('rm', id).ms;
  };
  if (BEFORE_BIN) Object.assign(m, measureAlternated({ detachedCycle: cycle(mydocker), detachedCycleBefore: cycle(before) }));
  else m.detachedCycle = measure(cycle(mydocker));

  log(`${RSS_CONTAINERS} idle detached containers: monitor memory (smaps_rollup)`);
  const monitorMemory = async (cli) => {
    const idle = [];
    for (let i = 0; i < RSS_CONTAINERS; i++) idle.push(cli('run', '-d', 'busybox', 'top').stdout.trim());
    await sleep(500);
    const mem = idle.map((id) => pss(JSON.parse(cli('container-record', id).stdout)[0].monitorPid));
    cli('rm', '-f', ...idle);
    return { pss: stats(mem.map((x) => x.pss)), private: stats(mem.map((x) => x.private)), rss: stats(mem.map((x) => x.rss)) };
  };
  m.monitorPssKiB = await monitorMemory(mydocker);
  if (BEFORE_BIN) m.monitorPssKiBBefore = await monitorMemory(before);

  log(`${PARALLEL} containers started in parallel`);
  const parallel = [];
  const parallelBefore = [];
  const parallelRound = async (bin, cli, samples) => {
    const start = process.hrtime.bigint();
    const ids = await Promise.all(Array.from({ length: PARALLEL }, () => asyncRun(process.execPath, [bin, 'run', '-d', 'busybox', 'top'])));
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    cli('rm', '-f', ...ids.map((s) => s.trim()));
  };
  // With BENCH_BEFORE_BIN, its rounds alternate with this build's.
  for (let i = 0; i < PARALLEL_ROUNDS; i++) {
    await parallelRound(BIN, mydocker, parallel);
    if (BEFORE_BIN) await parallelRound(BEFORE_BIN, before, parallelBefore);
  }
  m.parallel20 = stats(parallel);
  if (BEFORE_BIN) m.parallel20Before = stats(parallelBefore);

  m.ps = {};
  let have = 0;
  for (const size of PS_SIZES) {
    log(`ps -a with ${size} containers (creating ${size - have}, ${JOBS} at a time)`);
    await fillStore(size, have);
    have = size;
    const count = mydocker('ps', '-a', '-q').stdout.split('\n').filter(Boolean).length;
    if (count !== size) throw new Error(`expected ${size} containers, ps -a lists ${count}`);
    m.ps[size] = measure(() => mydocker('ps', '-a').ms);
  }
}

/**
 * runc, crun and mydocker-oci (and BENCH_OCI_BEFORE_BIN) alternated run by run: `run`, and the four-command
 * cycle. Each runtime binary is executed directly, as conmon and the shim do (mydocker-oci's bin is a
 * native front since issue 20; an older build's bin is a Node script run through its shebang).
 */
function benchOciAlternated(m, hasCrun) {
  const ociRoot = path.join(dir, 'oci-state');
  const rt = {
    runc: (args) => ['runc', ['--root', runcRoot, ...args]],
    crun: (args) => crunCommand(['--root', path.join(dir, 'crun-state'), ...args]),
    oci: (args) => [OCI_BIN, ['--root', ociRoot, ...args]],
    before: (args) => [OCI_BEFORE_BIN, ['--root', ociRoot, ...args]],
  };
  const runOf = (name, id) => timed(...rt[name](['run', '--bundle', bundle, id])).ms;
  const fns = {
    runcRun: (i) => runOf('runc', `alt-runc-${i + 1}`),
    ociRun: (i) => runOf('oci', `alt-oci-${i + 1}`),
    runcCycle: (i) => ociCycle(rt.runc, `cyc-runc-${i + 1}`),
    ociCycle: (i) => ociCycle(rt.oci, `cyc-oci-${i + 1}`),
    // The floor of a split where Node only boots and C runs the container (bench/split-floor.js), beside
    // `node -e 0`: what remains of issue 17's budget (runc + node + 20 ms) for Node to decide the policy.
    splitFloor: (i) =>
      timed(process.execPath, [path.join(__dirname, 'split-floor.js'), ...rt.oci(['run', '--bundle', bundle, `alt-split-${i + 1}`]).flat()]).ms,
    nodeStart: () => timed(process.execPath, ['-e', '0']).ms,
  };
  if (hasCrun) {
    fns.crunRun = (i) => runOf('crun', `alt-crun-${i + 1}`);
    fns.crunCycle = (i) => ociCycle(rt.crun, `cyc-crun-${i + 1}`);
  }
  if (OCI_BEFORE_BIN) {
    fns.ociRunBefore = (i) => runOf('before', `alt-before-${i + 1}`);
    fns.ociCycleBefore = (i) => ociCycle(rt.before, `cyc-before-${i + 1}`);
  }
  m.ociAlternated = peer('mydocker-oci alternated with runc', () => measureAlternated(fns));
}

/** The same as `ratios` for the CPU columns: "CPU 1.40× runc, …". */
function cpuRatios(a, peers) {
  const list = peers.filter(([, b]) => a?.cpuMs && b?.cpuMs).map(([name, b]) => `${(a.cpuMs / b.cpuMs).toFixed(2)}× ${name}`);
  return list.length ? `CPU ${list.join(', ')}` : '';
}

function ratio(a, b) {
  return a?.median && b?.median ? `${(a.median / b.median).toFixed(2)}×` : '';
}

/** "1.23× runc, 0.50× podman" for the peers that were measured. */
function ratios(a, peers) {
  return peers
    .map(([name, b]) => (ratio(a, b) ? `${ratio(a, b)} ${name}` : ''))
    .filter(Boolean)
    .join(', ');
}

function table(results) {
  const m = results.measurements;
  const rows = [];
  const tool = (name) => results.tools[name] === 'not installed';
  const row = (what, s, note = '') => {
    if (s?.unavailable) return rows.push([what, '—', '—', '—', '—', '—', `not measurable: ${s.unavailable}`]);
    rows.push([
      what,
      s ? String(s.median) : '—',
      s?.cpuMs !== undefined ? String(s.cpuMs) : '—',
      s ? String(s.min) : '—',
      s ? String(s.max) : '—',
      s ? String(s.runs) : '—',
      note,
    ]);
  };
  const pssRow = (what, s, note = '') => {
    if (s?.unavailable) return rows.push([what, '—', '—', '—', '—', '—', `not measurable: ${s.unavailable}`]);
    if (!s) return;
    rows.push([what, `${s.private.median} private, ${s.pss.median} Pss`, '', `${s.private.min}`, `${s.private.max}`, String(s.private.runs), note]);
  };
  row('node -e 0 (reference)', m.nodeStart);
  if (m.di) {
    row(
      `DI start-up: tsyringe container + resolving ${m.di.plugins} plugins (in process, warm)`,
      m.di.setup,
      `target < ${m.di.targetMs} ms: ${m.di.setup.median < m.di.targetMs ? 'meets' : 'misses'} it`,
    );
    row('engine wiring: discovery + resolution + every apply (in process, warm)', m.di.wiring);
  }
  row(
    'mydocker run --rm busybox /bin/true',
    m.runTrue,
    ratios(m.runTrue, [
      ['runc', m.runcTrue],
      ['crun', m.crunTrue],
      ['podman', m.podmanTrue],
    ]),
  );
  if (m.runTrueBefore)
    row(
      'before (BENCH_BEFORE_BIN): run --rm busybox /bin/true',
      m.runTrueBefore,
      `after/before ${ratio(m.runTrue, m.runTrueBefore)}; ${ratios(m.runTrueBefore, [['runc', m.runcTrue]])}`,
    );
  row('runc run (same rootfs)', m.runcTrue, tool('runc') ? 'not installed' : '');
  row(
    'mydocker-oci run (same bundle)',
    m.ociTrue,
    ratios(m.ociTrue, [
      ['runc', m.runcTrue],
      ['crun', m.crunTrue],
    ]),
  );
  const alt = m.ociAlternated;
  if (alt && !alt.unavailable) {
    const peers = (x) => [
      ['runc', x.runcRun],
      ['crun', x.crunRun],
    ];
    const cyclePeers = [
      ['runc', alt.runcCycle],
      ['crun', alt.crunCycle],
    ];
    row('alternated: runc run', alt.runcRun);
    if (alt.crunRun) row('alternated: crun run (unshare -m, hybrid host)', alt.crunRun);
    row('alternated: mydocker-oci run', alt.ociRun, `${ratios(alt.ociRun, peers(alt))}; ${cpuRatios(alt.ociRun, peers(alt))}`);
    if (alt.ociRunBefore)
      row(
        'alternated: mydocker-oci run, before',
        alt.ociRunBefore,
        `after/before ${ratio(alt.ociRun, alt.ociRunBefore)}; ${ratios(alt.ociRunBefore, peers(alt))}; ${cpuRatios(alt.ociRunBefore, peers(alt))}`,
      );
    if (alt.splitFloor) {
      const budget = alt.runcRun.median + alt.nodeStart.median + 20;
      row('alternated: node -e 0', alt.nodeStart);
      row(
        'alternated: node, then mydocker-oci run (a Node-then-C split, no policy)',
        alt.splitFloor,
        `${ratios(alt.splitFloor, peers(alt))}; leaves ${round(budget - alt.splitFloor.median)} ms of the run --rm target (runc + node + 20 = ${round(budget)}) for Node's policy`,
      );
    }
    row('alternated: runc create+start+state+delete', alt.runcCycle);
    if (alt.crunCycle) row('alternated: crun cycle (each command in unshare -m)', alt.crunCycle);
    row('alternated: mydocker-oci create+start+state+delete', alt.ociCycle, `${ratios(alt.ociCycle, cyclePeers)}; ${cpuRatios(alt.ociCycle, cyclePeers)}`);
    if (alt.ociCycleBefore)
      row(
        'alternated: mydocker-oci cycle, before',
        alt.ociCycleBefore,
        `after/before ${ratio(alt.ociCycle, alt.ociCycleBefore)}; ${ratios(alt.ociCycleBefore, cyclePeers)}; ${cpuRatios(alt.ociCycleBefore, cyclePeers)}`,
      );
  } else if (alt) row('alternated: mydocker-oci vs runc', alt);
  row(
    'crun run (same rootfs)',
    m.crunTrue,
    tool('crun') ? 'not installed' : m.crunTrue && !m.crunTrue.unavailable ? 'in a private mount namespace without the cgroup2 mount (hybrid host)' : '',
  );
  row('podman run --rm --network none', m.podmanTrue, tool('podman') ? 'not installed' : '');
  row(
    'docker run --rm busybox /bin/true via mydocker system service',
    m.apiRunTrue,
    ratios(m.apiRunTrue, [
      ['mydocker run --rm', m.runTrue],
      ['podman', m.podmanTrue],
      ['docker via podman service', m.podmanApiRunTrue],
    ]),
  );
  row('docker run --rm via podman system service', m.podmanApiRunTrue, tool('podman') ? 'not installed' : '');
  if (m.runTrue && m.runcTrue?.median && m.nodeStart) {
    const budget = m.runcTrue.median + m.nodeStart.median + 20;
    rows.push([
      'target: runc + node -e 0 + 20 ms',
      String(round(budget)),
      m.runcTrue.cpuMs !== undefined ? String(round(2 * m.runcTrue.cpuMs)) : '—',
      '',
      '',
      '',
      `mydocker ${m.runTrue.median <= budget ? 'meets' : 'misses'} the wall target${m.runcTrue.cpuMs ? `, ${m.runTrue.cpuMs <= 2 * m.runcTrue.cpuMs ? 'meets' : 'misses'} CPU ≤ 2× runc` : ''}`,
    ]);
  }
  row('run -d top + stop + rm', m.detachedCycle, ratios(m.detachedCycle, [['podman', m.podmanDetachedCycle]]));
  if (m.detachedCycleBefore)
    row(
      'before: run -d top + stop + rm',
      m.detachedCycleBefore,
      `after/before ${ratio(m.detachedCycle, m.detachedCycleBefore)}; ${ratios(m.detachedCycleBefore, [['podman', m.podmanDetachedCycle]])}`,
    );
  row('podman run -d + stop + rm', m.podmanDetachedCycle, tool('podman') ? 'not installed' : '');
  for (const [size, s] of Object.entries(m.ps ?? {})) row(`ps -a, ${size} containers`, s);
  if (m.pull?.mydocker) {
    const what = `${m.pull.layers} layers, ${m.pull.imageMB} MB`;
    row(
      `mydocker pull from a local registry (${what}; extracted)`,
      m.pull.mydocker,
      `${ratio(m.pull.mydocker, m.pull.skopeo)} skopeo${m.pull.podman ? `, ${ratio(m.pull.mydocker, m.pull.podman)} podman` : ''}`,
    );
    row('skopeo copy of the same image to an OCI layout (not extracted)', m.pull.skopeo);
    row('skopeo copy + GNU tar -x of each layer (extracted)', m.pull.skopeoTar, `mydocker ${ratio(m.pull.mydocker, m.pull.skopeoTar)} this`);
    row('podman pull of the same image', m.pull.podman, tool('podman') ? 'not installed' : '');
    if (m.pull.bound)
      row(
        `the ${m.pull.bound.cores}-core bound: the CPU of skopeo + gzip/tar + the registry, over ${m.pull.bound.cores} cores`,
        m.pull.bound,
        `${ratio(m.pull.bound, m.pull.skopeo)} skopeo (a lower bound on a quiet machine only)`,
      );
    if (m.pull.before)
      row(
        `BENCH_PULL_BEFORE: another build's pull (${m.pull.beforeBin})`,
        m.pull.before,
        `${ratio(m.pull.before, m.pull.skopeo)} skopeo, ${ratio(m.pull.before, m.pull.skopeoTar)} skopeo + tar`,
      );
  } else if (m.pull?.skipped) row('registry pull', undefined, m.pull.skipped);
  row(`${PARALLEL} × run -d in parallel (total wall)`, m.parallel20, ratios(m.parallel20, [['podman', m.podmanParallel20]]));
  if (m.parallel20Before)
    row(
      `before: ${PARALLEL} × run -d in parallel`,
      m.parallel20Before,
      `after/before ${ratio(m.parallel20, m.parallel20Before)}; ${ratios(m.parallel20Before, [['podman', m.podmanParallel20]])}`,
    );
  row(`podman: ${PARALLEL} × run -d in parallel`, m.podmanParallel20, tool('podman') ? 'not installed' : '');
  pssRow('monitor memory per idle container (KiB, smaps_rollup)', m.monitorPssKiB, m.monitorPssKiB ? `RSS ${m.monitorPssKiB.rss.median}` : '');
  if (m.monitorPssKiBBefore) pssRow('before: monitor memory per idle container (KiB)', m.monitorPssKiBBefore, `RSS ${m.monitorPssKiBBefore.rss.median}`);
  pssRow('conmon (podman) per idle container (KiB)', m.conmonPssKiB);
  const head = ['measurement (ms)', 'median', 'CPU (mean)', 'min', 'max', 'runs', 'note'];
  const lines = [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`);
  const phases = Object.entries(m.phases ?? {}).map(([p, s]) => `| ${p} | ${s.median} | ${s.min} | ${s.max} |`);
  const load = (l) => (l ? l.map((x) => x.toFixed(2)).join(' ') : '?');
  return [
    `mydocker benchmark, ${results.date.slice(0, 10)}, ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryMiB} MiB, Linux ${results.machine.kernel}, Node ${results.machine.node}`,
    `NODE_EXTRA_CA_CERTS unset for measured commands. ${results.tools.runc ?? ''}; ${results.tools.crun ?? ''}; ${results.tools.podman ?? ''}.`,
    `Load average (1, 5, 15 min) before: ${load(results.loadBefore)}; after: ${load(results.loadAfter)}. CPU = user + system time of the command and the processes it waited for (a detached monitor's or conmon's own time is not counted).`,
    '',
    ...lines,
    '',
    'Phase breakdown of `run --rm busybox /bin/true` (MYDOCKER_TRACE=1; ms since the previous mark):',
    '',
    '| phase | median | min | max |',
    '| --- | --- | --- | --- |',
    ...phases,
    ...(m.pull?.shared
      ? [
          '',
          `Disk used by two pulled images that share a base (${m.pull.shared.baseMB} MB of base layers, ${m.pull.shared.ownMB} MB of their own each; \`du -sb\` of the store, MB):`,
          `each alone ${m.pull.shared.aloneA} + ${m.pull.shared.aloneB} = ${Math.round((m.pull.shared.aloneA + m.pull.shared.aloneB) * 10) / 10}; both in one store ${m.pull.shared.both} (unpacked layers ${m.pull.shared.bothLayers}, blobs as pulled ${m.pull.shared.bothBlobs}).`,
        ]
      : []),
  ].join('\n');
}

// Ctrl-C or a kill mid-run still removes every container, mount and cgroup made so far.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, cleaning up`);
    const problems = cleanup();
    if (problems.length) console.error(`Clean-up problems:\n  ${problems.join('\n  ')}`);
    process.exit(130);
  });
}

main()
  .then((results) => {
    const problems = cleanup();
    results.cleanupProblems = problems;
    const outDir = path.join(__dirname, 'results');
    fs.mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `${results.date.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(table(results));
    console.log(`\nResults: ${path.relative(REPO, file)}`);
    if (problems.length) {
      console.error(`Clean-up problems:\n  ${problems.join('\n  ')}`);
      process.exitCode = 1;
    }
  })
  .catch((err) => {
    console.error(`bench failed: ${err.stack ?? err}`);
    const problems = cleanup();
    if (problems.length) console.error(`Clean-up problems:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  });
