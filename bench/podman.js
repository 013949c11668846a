'use strict';
/**
 * The Podman side of `npm run bench`: the same busybox root filesystem (imported from mydocker's export),
 * in Podman's own throw-away storage under the bench directory (`--root`, `--runroot`), so nothing is
 * left in the host's /var/lib/containers. Every measurement mirrors one of mydocker's.
 *
 * Podman runs with runc (`--runtime runc`): its default, crun, refuses this hybrid cgroup host (see the
 * crun row), and runc is what the other peer rows use too.
 *
 * Podman here needs explicit ulimits (its defaults ask for more than root's hard limits on this host) and
 * `--network none` is the fair comparison: the bench configures mydocker's default network as `none`
 * (bench/run.js), and runc and crun run the bundle without a network.
 */
const path = require('node:path');
const { benchPodmanApi } = require('./engine-api');

const LIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'];

/**
 * Measures Podman's rows into `m` (each one `{unavailable}` when Podman cannot run here). `h` holds the
 * bench's helpers: timed, measure, peer, stats, asyncRun, pss, sleep, dir, parallel, runs, log.
 */
async function benchPodman(m, h) {
  const base = [
    '--root',
    path.join(h.dir, 'podman'),
    '--runroot',
    path.join(h.dir, 'podman-run'),
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'none',
    '--runtime',
    'runc',
  ];
  const podman = (...args) => h.timed('podman', [...base, ...args]);
  const image = 'mydocker-bench-busybox';
  const ok = h.peer('podman', () => podman('import', path.join(h.dir, 'busybox.tar'), image));
  if (ok.unavailable) {
    m.podmanTrue = m.podmanDetachedCycle = m.podmanParallel20 = m.conmonPssKiB = ok;
    return;
  }
  try {
    h.log('podman run --rm --network none /bin/true');
    m.podmanTrue = h.peer('podman', () => h.measure(() => podman('run', '--rm', ...LIMITS, '--network', 'none', image, '/bin/true').ms));
    // The docker client through Podman's own API service, on this storage (beside mydocker's service row).
    await benchPodmanApi(m, h, base, [...LIMITS, '--network', 'none', `localhost/${image}`, '/bin/true']);
    h.log('podman detached cycle: run -d top, stop, rm');
    m.podmanDetachedCycle = h.peer('podman', () =>
      h.measure(() => {
        const run = podman('run', '-d', ...LIMITS, '--network', 'none', image, 'top');
        const id = run.stdout.trim();
        const stop = podman('stop', id);
        const rm = podman('rm', id);
        return run.ms + stop.ms + rm.ms;
      }),
    );
    h.log(`podman: ${h.parallel} × run -d in parallel`);
    m.podmanParallel20 = await h.peerAsync('podman', async () => {
      const samples = [];
      for (let i = 0; i < h.parallelRounds; i++) {
        const start = process.hrtime.bigint();
        const ids = await Promise.all(
          Array.from({ length: h.parallel }, () => h.asyncRun('podman', [...base, 'run', '-d', ...LIMITS, '--network', 'none', image, 'top'])),
        );
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
        podman('rm', '-f', '-t', '0', ...ids.map((s) => s.trim()));
      }
      return h.stats(samples);
    });
    h.log('podman: conmon memory per idle container');
    m.conmonPssKiB = await h.peerAsync('podman', async () => {
      const ids = [];
      for (let i = 0; i < h.idle; i++) ids.push(podman('run', '-d', ...LIMITS, '--network', 'none', image, 'top').stdout.trim());
      await h.sleep(500);
      try {
        const pids = ids.map((id) => Number(podman('inspect', '--format', '{{.State.ConmonPid}}', id).stdout.trim()));
        return { pss: h.stats(pids.map((pid) => h.pss(pid).pss)), private: h.stats(pids.map((pid) => h.pss(pid).private)) };
      } finally {
        podman('rm', '-f', '-t', '0', ...ids);
      }
    });
  } finally {
    h.timed('podman', [...base, 'rm', '-f', '-t', '0', '--all']);
    h.timed('podman', [...base, 'rmi', '-f', '--all']);
    // Podman keeps its storage mounted (the overlay driver's own bind of its home): unmount it before the
    // bench directory goes.
    h.timed('podman', [...base, 'system', 'reset', '--force']);
  }
}

module.exports = { benchPodman };
