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
const BIN = path.join(REPO, 'packages/cli/bin/mydocker');
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 20));
const PS_SIZES = (process.env.BENCH_PS_SIZES ?? '10,100,1000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const JOBS = Math.max(1, Number(process.env.BENCH_JOBS ?? os.cpus().length));
const PARALLEL = 20;
const RSS_CONTAINERS = 5;
const PULL_RUNS = Math.max(1, Number(process.env.BENCH_PULL_RUNS ?? 3));
const { benchPull } = require('./pull');

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

const env = { ...process.env, MYDOCKER_ROOT: path.join(dir, 'root'), MYDOCKER_RUNROOT: path.join(dir, 'run'), MYDOCKER_CGROUP_PARENT: cgroupParent };
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

/** Runs a command to completion and returns its wall time in ms; throws on a non-zero exit. */
function timed(cmd, args, extraEnv = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: { ...env, ...extraEnv }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

const mydocker = (...args) => timed(process.execPath, [BIN, ...args]);
const runc = (...args) => timed('runc', ['--root', runcRoot, ...args]);

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

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median: round(median), min: round(s[0]), max: round(s[s.length - 1]), runs: s.length };
}

const round = (x) => Math.round(x * 10) / 10;

/** Times `fn` RUNS times after one unmeasured warm-up. */
function measure(fn, runs = RUNS) {
  fn(-1);
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(fn(i));
  return stats(samples);
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

function vmRss(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

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

  // BENCH_ONLY=pull: the registry pull comparison alone.
  if (process.env.BENCH_ONLY !== 'pull') await benchRuns(results, m, log, { hasRunc, hasPodman, hasCrun });
  log(`pull of a big image from a local registry: mydocker vs skopeo${hasPodman ? ' vs podman' : ''} (${PULL_RUNS} runs after a warm-up)`);
  m.pull = await benchPull({ dir, env, bin: BIN, runs: PULL_RUNS, stats, which, log });
  return results;
}

async function benchRuns(results, m, log, { hasRunc, hasPodman, hasCrun }) {
  log('preparing the busybox image and an OCI bundle of the same root filesystem');
  mydocker('run', '--rm', 'busybox', '/bin/true'); // builds the busybox image on first use
  makeBundle();
  m.nodeStart = measure(() => timed(process.execPath, ['-e', '0']).ms);

  log(`run --rm busybox /bin/true × ${RUNS}`);
  m.runTrue = measure(() => mydocker('run', '--rm', 'busybox', '/bin/true').ms);
  if (hasRunc) m.runcTrue = measure((i) => runc('run', '--bundle', bundle, `bench-${i + 1}`).ms);
  if (hasCrun) m.crunTrue = measure((i) => timed('crun', ['--root', runcRoot, 'run', '--bundle', bundle, `bench-crun-${i + 1}`]).ms);
  if (hasPodman) {
    const tar = path.join(dir, 'busybox.tar');
    timed('podman', ['import', tar, `mydocker-bench-${tag}`]);
    m.podmanTrue = measure(() => timed('podman', ['run', '--rm', '--network', 'none', `mydocker-bench-${tag}`, '/bin/true']).ms);
    timed('podman', ['rmi', '-f', `mydocker-bench-${tag}`]);
  }

  log('phase breakdown (MYDOCKER_TRACE=1)');
  const traces = [];
  for (let i = 0; i < RUNS; i++) traces.push(parseTrace(timed(process.execPath, [BIN, 'run', '--rm', 'busybox', '/bin/true'], { MYDOCKER_TRACE: '1' }).stderr));
  m.phases = {};
  for (const phase of Object.keys(traces[0])) m.phases[phase] = stats(traces.map((t) => t[phase] ?? 0));

  log('detached cycle: run -d top, stop, rm');
  m.detachedCycle = measure(() => {
    const run = mydocker('run', '-d', 'busybox', 'top');
    const id = run.stdout.trim();
    const stop = mydocker('stop', id);
    const rm = mydocker('rm', id);
    return run.ms + stop.ms + rm.ms;
  });

  log(`${RSS_CONTAINERS} idle detached containers: monitor RSS`);
  const idle = [];
  for (let i = 0; i < RSS_CONTAINERS; i++) idle.push(mydocker('run', '-d', 'busybox', 'top').stdout.trim());
  await new Promise((r) => setTimeout(r, 500));
  const rss = idle.map((id) => vmRss(JSON.parse(mydocker('container-record', id).stdout)[0].monitorPid));
  m.monitorRssKiB = stats(rss);
  mydocker('rm', '-f', ...idle);

  log(`${PARALLEL} containers started in parallel`);
  const parallel = [];
  for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 4)); i++) {
    const start = process.hrtime.bigint();
    const ids = await Promise.all(Array.from({ length: PARALLEL }, () => asyncRun(process.execPath, [BIN, 'run', '-d', 'busybox', 'top'])));
    parallel.push(Number(process.hrtime.bigint() - start) / 1e6);
    mydocker('rm', '-f', ...ids.map((s) => s.trim()));
  }
  m.parallel20 = stats(parallel);

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

function ratio(a, b) {
  return a && b ? `${(a.median / b.median).toFixed(2)}×` : '';
}

function table(results) {
  const m = results.measurements;
  const rows = [];
  const row = (what, s, note = '') =>
    rows.push([what, s ? String(s.median) : '—', s ? String(s.min) : '—', s ? String(s.max) : '—', s ? String(s.runs) : '—', note]);
  row('node -e 0 (reference)', m.nodeStart);
  row(
    'mydocker run --rm busybox /bin/true',
    m.runTrue,
    `${ratio(m.runTrue, m.runcTrue)} runc${m.podmanTrue ? `, ${ratio(m.runTrue, m.podmanTrue)} podman` : ''}`,
  );
  row('runc run (same rootfs)', m.runcTrue, results.tools.runc === 'not installed' ? 'not installed' : '');
  row('crun run (same rootfs)', m.crunTrue, results.tools.crun === 'not installed' ? 'not installed' : '');
  row('podman run --rm --network none', m.podmanTrue, results.tools.podman === 'not installed' ? 'not installed' : '');
  row('run -d top + stop + rm', m.detachedCycle);
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
    row('podman pull of the same image', m.pull.podman, results.tools.podman === 'not installed' ? 'not installed' : '');
  } else if (m.pull?.skipped) row('registry pull', undefined, m.pull.skipped);
  row(`${PARALLEL} × run -d in parallel (total wall)`, m.parallel20);
  row('monitor VmRSS per idle container (KiB)', m.monitorRssKiB);
  const head = ['measurement (ms)', 'median', 'min', 'max', 'runs', 'note'];
  const lines = [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`);
  const phases = Object.entries(m.phases ?? {}).map(([p, s]) => `| ${p} | ${s.median} | ${s.min} | ${s.max} |`);
  return [
    `mydocker benchmark, ${results.date.slice(0, 10)}, ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryMiB} MiB, Linux ${results.machine.kernel}, Node ${results.machine.node}`,
    `NODE_EXTRA_CA_CERTS unset for measured commands. ${results.tools.runc ?? ''}`.trim(),
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
