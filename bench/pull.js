'use strict';
/**
 * Pull of a ≥ 100 MB multi-layer image from a local docker-registry (Debian's, on 127.0.0.1 at a free
 * port, its storage in the bench's throw-away dir): `mydocker pull` (into an empty store each time, so
 * every layer is downloaded, verified and extracted) against `skopeo copy` of the same image to a local
 * OCI layout (downloaded and verified, not extracted) and `podman pull` where installed, side by side.
 * The image is made here: BENCH_PULL_LAYERS (default 4) layers of BENCH_PULL_LAYER_MB (default 32) MB
 * of random bytes each, pushed by skopeo (gzip).
 */
const { spawn, spawnSync } = require('node:child_process');
const { createHash, randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const LAYERS = Math.max(2, Number(process.env.BENCH_PULL_LAYERS ?? 4));
const LAYER_MB = Math.max(1, Number(process.env.BENCH_PULL_LAYER_MB ?? 32));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * User + system CPU (ms) of this process's waited-for children so far (/proc/self/stat's cutime and
 * cstime, in clock ticks of 10 ms): the difference around a command is the CPU it and its own children used.
 */
function childCpuMs() {
  try {
    const fields = fs
      .readFileSync('/proc/self/stat', 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return NaN;
  }
}

/** User + system CPU (ms) the process `pid` has used so far (fields 14 and 15 of /proc/PID/stat), or NaN. */
function processCpuMs(pid) {
  try {
    const fields = fs
      .readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function sh(cmd, args, env) {
  const start = process.hrtime.bigint();
  const cpu0 = childCpuMs();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, cpu: childCpuMs() - cpu0, stdout: r.stdout };
}

/** Several commands at once; resolves with the wall time (ms) until the last has exited, and their CPU. */
async function shParallel(commands) {
  const start = process.hrtime.bigint();
  const cpu0 = childCpuMs();
  await Promise.all(
    commands.map(
      ([cmd, args]) =>
        new Promise((resolve, reject) => {
          const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          child.stderr.on('data', (d) => (err += d));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
        }),
    ),
  );
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, cpu: childCpuMs() - cpu0 };
}

/** A tar of one file of `bytes` random bytes (ustar header by hand: one regular file). */
function randomLayer(file, name, bytes) {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${bytes.toString(8).padStart(11, '0')}\0`, 124);
  header.write('14400000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, header);
  for (let left = bytes; left > 0; left -= 1 << 20) fs.writeSync(fd, randomBytes(Math.min(left, 1 << 20)));
  fs.writeSync(fd, Buffer.alloc(((512 - (bytes % 512)) % 512) + 1024));
  fs.closeSync(fd);
}

/**
 * An OCI layout with one image tagged `v1`: LAYERS layers of LAYER_MB random MB, or the given layer
 * tars (copied, so that two layouts can share a layer byte for byte).
 */
function makeLayout(dir, arch, given) {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const descs = [];
  for (let i = 0; i < (given ? given.length : LAYERS); i++) {
    const tmp = path.join(dir, `layer-${i}.tar`);
    if (given) fs.copyFileSync(given[i], tmp);
    else randomLayer(tmp, `data-${i}.bin`, LAYER_MB * 1e6);
    const digest = createHash('sha256').update(fs.readFileSync(tmp)).digest('hex');
    const size = fs.statSync(tmp).size;
    fs.renameSync(tmp, path.join(blobs, digest));
    descs.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${digest}`, size });
  }
  const put = (text) => {
    const digest = createHash('sha256').update(text).digest('hex');
    fs.writeFileSync(path.join(blobs, digest), text);
    return { digest: `sha256:${digest}`, size: Buffer.byteLength(text) };
  };
  const config = put(JSON.stringify({ architecture: arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: descs.map((d) => d.digest) } }));
  const manifest = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: descs,
    }),
  );
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }],
    }),
  );
}

/**
 * Returns { imageMB, layers, mydocker, skopeo, skopeoTar, podman?, before?, shared } (each a stats object from `stats`), or
 * { skipped } when docker-registry or skopeo is missing.
 */
async function benchPull({ dir, env, bin, runs, stats, which, log }) {
  if (!which('docker-registry') || !which('skopeo')) return { skipped: 'docker-registry or skopeo not installed' };
  const work = path.join(dir, 'pull-bench');
  fs.mkdirSync(work, { recursive: true });
  const port = await freePort();
  const regConfig = path.join(work, 'registry.yml');
  fs.writeFileSync(
    regConfig,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(work, 'registry-data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const registry = spawn('docker-registry', ['serve', regConfig], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 150; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/v2/`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const arch = process.arch === 'x64' ? 'amd64' : process.arch;
    log(`pull: making a ${LAYERS}-layer image of ${LAYERS * LAYER_MB} MB and pushing it with skopeo`);
    const layout = path.join(work, 'layout');
    makeLayout(layout, arch);
    const ref = `127.0.0.1:${port}/bench/big:v1`;
    sh('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${ref}`]);
    fs.rmSync(layout, { recursive: true, force: true });
    const raw = JSON.parse(sh('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`]).stdout);
    const compressedMB = raw.layers.reduce((a, l) => a + l.size, 0) / 1e6;
    const out = { imageMB: Math.round(compressedMB), layers: raw.layers.length };
    const mine = [];
    // BENCH_PULL_BEFORE=/path/to/packages/cli/bin/mydocker: another build (an earlier commit's
    // worktree) measured in the same rounds, so that before and after share one skopeo reference.
    const beforeBin = process.env.BENCH_PULL_BEFORE;
    const before = [];
    const theirs = [];
    const pods = [];
    const unpacked = [];
    const floor = [];
    const streamed = [];
    // CPU (user + system, ms) of each measured command, per round.
    const cpu = { mydocker: [], before: [], skopeo: [], skopeoTar: [], floor: [], streamed: [], podman: [], registryMydocker: [], registrySkopeo: [] };
    // The lower bound on this machine for any pull that unpacks: the CPU the fastest tools here spend on the
    // work a pull must do (skopeo's download, verify and write; gzip -d and tar's writes; the registry's
    // serving of the bytes), spread without loss over every core the bench may use.
    const bound = [];
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    const hasPodman = Boolean(which('podman'));
    // Alternated, so that a burst of load on the machine falls on both sides alike.
    for (let i = 0; i <= runs; i++) {
      const root = path.join(work, `root-${i}`);
      const reg0 = processCpuMs(registry.pid);
      const m = sh(process.execPath, [bin, 'pull', '-q', ref], { ...env, MYDOCKER_ROOT: root, MYDOCKER_RUNROOT: path.join(work, `run-${i}`) });
      const regMine = processCpuMs(registry.pid) - reg0;
      fs.rmSync(root, { recursive: true, force: true });
      let b;
      if (beforeBin) {
        const broot = path.join(work, `before-root-${i}`);
        b = sh(process.execPath, [beforeBin, 'pull', '-q', ref], { ...env, MYDOCKER_ROOT: broot, MYDOCKER_RUNROOT: path.join(work, `before-run-${i}`) });
        fs.rmSync(broot, { recursive: true, force: true });
      }
      const oci = path.join(work, `oci-${i}`);
      const reg1 = processCpuMs(registry.pid);
      const s = sh('skopeo', ['--insecure-policy', 'copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${oci}:v1`]);
      const regSkopeo = processCpuMs(registry.pid) - reg1;
      // The fair comparison: skopeo does not unpack. The same layers unpacked by GNU tar, one after the
      // other as umoci would (umoci is not installed here), each into its own directory as the store does.
      const t = untarLayers(oci, 'seq');
      // The floor of what a pull must do on this machine with the fastest tools at hand: the download
      // (skopeo), then every layer gunzipped and written by GNU tar, all layers at once.
      const f = await untarLayersParallel(oci);
      fs.rmSync(oci, { recursive: true, force: true });
      // The whole pull in native tools, streamed as mydocker's is: every layer at once, nothing read back.
      const st = streamingPull(path.join(work, `stream-${i}`), port, raw);
      let p;
      if (hasPodman) {
        const storage = path.join(work, `podman-${i}`);
        p = sh('podman', ['--root', storage, '--runroot', path.join(work, `podman-run-${i}`), 'pull', '-q', '--tls-verify=false', ref]);
        spawnSync('podman', ['--root', storage, '--runroot', path.join(work, `podman-run-${i}`), 'system', 'reset', '-f']);
        fs.rmSync(storage, { recursive: true, force: true });
      }
      if (i === 0) continue; // warm-up: page cache, first Node start
      mine.push(m.ms);
      cpu.mydocker.push(m.cpu);
      if (b !== undefined) {
        before.push(b.ms);
        cpu.before.push(b.cpu);
      }
      theirs.push(s.ms);
      cpu.skopeo.push(s.cpu);
      unpacked.push(s.ms + t.ms);
      cpu.skopeoTar.push(s.cpu + t.cpu);
      floor.push(s.ms + f.ms);
      cpu.floor.push(s.cpu + f.cpu);
      cpu.registryMydocker.push(regMine);
      cpu.registrySkopeo.push(regSkopeo);
      bound.push((s.cpu + f.cpu + regSkopeo) / cores);
      streamed.push(st.ms);
      cpu.streamed.push(st.cpu);
      if (p !== undefined) {
        pods.push(p.ms);
        cpu.podman.push(p.cpu);
      }
    }
    out.mydocker = stats(mine);
    out.skopeo = stats(theirs);
    out.skopeoTar = stats(unpacked);
    out.floor = stats(floor);
    out.streamed = stats(streamed);
    out.bound = { ...stats(bound), cores };
    if (pods.length) out.podman = stats(pods);
    if (before.length) Object.assign(out, { before: stats(before), beforeBin });
    out.cpuMs = Object.fromEntries(
      Object.entries(cpu)
        .filter(([, v]) => v.length)
        .map(([k, v]) => [k, stats(v)]),
    );
    logSummary(out, log);
    out.shared = sharedBase({ work, port, arch, env, bin, log });
    return out;
  } finally {
    registry.kill('SIGTERM');
    await new Promise((r) => (registry.exitCode !== null || registry.signalCode !== null ? r() : registry.once('exit', r)));
  }
}

/**
 * What a pull does, done by the fastest native tools at hand and streamed as mydocker's pull streams it: the
 * manifest and the config, then every layer at once `curl | tee BLOB | gzip -dc | tar -x`, with a sha256 of
 * the compressed bytes (the blob's digest) and of the tar (the diff id) taken on the way. The digests are
 * checked afterwards (not timed), so the row is known to have done the whole job. `raw`: the manifest.
 */
function streamingPull(dir, port, raw) {
  fs.mkdirSync(dir);
  const base = `http://127.0.0.1:${port}/v2/bench/big`;
  const accept = 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
  const lines = [
    'set -eo pipefail',
    `curl -sfo "$1/manifest.json" -H '${accept}' ${base}/manifests/v1`,
    `curl -sfo "$1/config.json" ${base}/blobs/${raw.config.digest}`,
  ];
  raw.layers.forEach((l, i) => {
    const gz = l.mediaType.endsWith('gzip');
    const unpack = `${gz ? 'gzip -dc | ' : ''}tee "$1/t-${i}" | tar -x --numeric-owner -p -C "$1/layer-${i}"`;
    // FIFOs rather than process substitutions: every process is then a job that `wait` waits for.
    lines.push(
      `mkdir "$1/layer-${i}"; mkfifo "$1/c-${i}" "$1/t-${i}"`,
      `sha256sum < "$1/c-${i}" > "$1/sum-${i}" &`,
      gz ? `sha256sum < "$1/t-${i}" > "$1/diff-${i}" &` : `cat "$1/t-${i}" > /dev/null &`,
      `( curl -sf ${base}/blobs/${l.digest} | tee "$1/blob-${i}" "$1/c-${i}" | ${unpack} ) &`,
    );
  });
  lines.push('for job in $(jobs -p); do wait "$job"; done');
  const r = sh('bash', ['-c', lines.join('\n'), 'streaming-pull', dir]);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  raw.layers.forEach((l, i) => {
    const sum = (name) => `sha256:${fs.readFileSync(path.join(dir, `${name}-${i}`), 'utf8').split(' ')[0]}`;
    if (sum('sum') !== l.digest) throw new Error(`streaming pull: layer ${i}'s blob does not match its digest`);
    if (l.mediaType.endsWith('gzip') && sum('diff') !== config.rootfs.diff_ids[i])
      throw new Error(`streaming pull: layer ${i}'s tar does not match its diff id`);
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return r;
}

/** The layer blobs of the OCI layout `oci`, each with an empty directory of its own named by `tag`. */
function layoutLayers(oci, tag) {
  const index = JSON.parse(fs.readFileSync(path.join(oci, 'index.json'), 'utf8'));
  const blob = (d) => path.join(oci, 'blobs', 'sha256', d.slice(7));
  const manifest = JSON.parse(fs.readFileSync(blob(index.manifests[0].digest), 'utf8'));
  return manifest.layers.map((l, i) => {
    const to = path.join(oci, `unpacked-${tag}-${i}`);
    fs.mkdirSync(to);
    return { file: blob(l.digest), to };
  });
}

/** GNU tar's extraction of every layer of the OCI layout `oci` (gzip or plain), one after the other, as root. */
function untarLayers(oci, tag) {
  let ms = 0;
  let cpu = 0;
  for (const { file, to } of layoutLayers(oci, tag)) {
    const r = sh('tar', ['-x', '--numeric-owner', '-p', '-f', file, '-C', to]);
    ms += r.ms;
    cpu += r.cpu;
  }
  return { ms, cpu };
}

/** The same, every layer at once (`tar -xzf`: gzip in a process of its own beside each tar). */
function untarLayersParallel(oci) {
  return shParallel(layoutLayers(oci, 'par').map(({ file, to }) => ['tar', ['-x', '-z', '--numeric-owner', '-p', '-f', file, '-C', to]]));
}

/** One line with the ratios of this run (wall-clock medians) and the CPU medians, for the log. */
function logSummary(out, log) {
  const r = (a, b) => `${(a.median / b.median).toFixed(2)}×`;
  const parts = [`mydocker ${Math.round(out.mydocker.median)} ms: ${r(out.mydocker, out.skopeo)} skopeo, ${r(out.mydocker, out.skopeoTar)} skopeo + tar`];
  parts.push(`${r(out.mydocker, out.floor)} the floor (skopeo + parallel tar -xzf, ${Math.round(out.floor.median)} ms)`);
  parts.push(
    `${r(out.mydocker, out.streamed)} a native streaming pull (curl | tee | gzip -d | tar per layer at once, ${Math.round(out.streamed.median)} ms = ${r(out.streamed, out.skopeo)} skopeo)`,
  );
  if (out.podman) parts.push(`${r(out.mydocker, out.podman)} podman`);
  parts.push(
    `the ${out.bound.cores}-core bound (the floor's CPU + the registry's, spread over ${out.bound.cores} cores) ${Math.round(out.bound.median)} ms = ${r(out.bound, out.skopeo)} skopeo`,
  );
  if (out.before) parts.push(`before ${Math.round(out.before.median)} ms: ${r(out.before, out.skopeo)} skopeo, ${r(out.before, out.floor)} the floor`);
  log(`pull: ${parts.join('; ')}`);
  const c = out.cpuMs;
  log(
    `pull: CPU per pull (user + system, median ms): ${Object.entries(c)
      .map(([k, v]) => `${k} ${Math.round(v.median)}`)
      .join(', ')}`,
  );
}

/** Bytes used under `dir`, each hard-linked file counted once (`du -sb`). */
function du(dir) {
  return Number(sh('du', ['-sb', dir]).stdout.split('\t')[0]);
}

/**
 * Two images that share a base (two layers of 16 MB; 4 MB of their own each), pulled into one store vs each alone: the disk used, in MB.
 */
function sharedBase({ work, port, arch, env, bin, log }) {
  log('pull: two images sharing a base, disk used');
  const tars = path.join(work, 'shared-tars');
  fs.mkdirSync(tars, { recursive: true });
  const layer = (name, mb) => {
    const file = path.join(tars, `${name}.tar`);
    randomLayer(file, `${name}.bin`, mb * 1e6);
    return file;
  };
  const base = [layer('base-0', 16), layer('base-1', 16)];
  const refs = ['a', 'b'].map((name) => {
    const layout = path.join(work, `shared-${name}`);
    makeLayout(layout, arch, [...base, layer(`top-${name}`, 4)]);
    const ref = `127.0.0.1:${port}/bench/shared-${name}:v1`;
    sh('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${ref}`]);
    fs.rmSync(layout, { recursive: true, force: true });
    return ref;
  });
  fs.rmSync(tars, { recursive: true, force: true });
  const pullInto = (name, list) => {
    const root = path.join(work, `shared-root-${name}`);
    for (const ref of list)
      sh(process.execPath, [bin, 'pull', '-q', ref], { ...env, MYDOCKER_ROOT: root, MYDOCKER_RUNROOT: path.join(work, `shared-run-${name}`) });
    const used = { store: du(root), layers: du(path.join(root, 'layers')), blobs: du(path.join(root, 'images')) };
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(path.join(work, `shared-run-${name}`), { recursive: true, force: true });
    return used;
  };
  const a = pullInto('a', [refs[0]]);
  const b = pullInto('b', [refs[1]]);
  const both = pullInto('both', refs);
  const mb = (n) => Math.round(n / 1e5) / 10;
  return { aloneA: mb(a.store), aloneB: mb(b.store), both: mb(both.store), bothLayers: mb(both.layers), bothBlobs: mb(both.blobs), baseMB: 32, ownMB: 4 };
}

module.exports = { benchPull, makeLayout };
