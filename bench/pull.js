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
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
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

function sh(cmd, args, env) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, stdout: r.stdout };
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
  for (let left = bytes; left > 0; left -= 1 << 20) fs.writeSync(fd, crypto.randomBytes(Math.min(left, 1 << 20)));
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
    const digest = crypto.createHash('sha256').update(fs.readFileSync(tmp)).digest('hex');
    const size = fs.statSync(tmp).size;
    fs.renameSync(tmp, path.join(blobs, digest));
    descs.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${digest}`, size });
  }
  const put = (text) => {
    const digest = crypto.createHash('sha256').update(text).digest('hex');
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
 * Returns { imageMB, layers, mydocker, skopeo, skopeoTar, podman?, shared } (each a stats object from `stats`), or
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
    const theirs = [];
    const pods = [];
    const unpacked = [];
    const hasPodman = Boolean(which('podman'));
    // Alternated, so that a burst of load on the machine falls on both sides alike.
    for (let i = 0; i <= runs; i++) {
      const root = path.join(work, `root-${i}`);
      const m = sh(process.execPath, [bin, 'pull', '-q', ref], { ...env, MYDOCKER_ROOT: root, MYDOCKER_RUNROOT: path.join(work, `run-${i}`) }).ms;
      fs.rmSync(root, { recursive: true, force: true });
      const oci = path.join(work, `oci-${i}`);
      const s = sh('skopeo', ['--insecure-policy', 'copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${oci}:v1`]).ms;
      // The fair comparison: skopeo does not unpack. The same layers unpacked by GNU tar, one after the
      // other as umoci would (umoci is not installed here), each into its own directory as the store does.
      const t = untarLayers(oci);
      fs.rmSync(oci, { recursive: true, force: true });
      let p;
      if (hasPodman) {
        const storage = path.join(work, `podman-${i}`);
        p = sh('podman', ['--root', storage, '--runroot', path.join(work, `podman-run-${i}`), 'pull', '-q', '--tls-verify=false', ref]).ms;
        spawnSync('podman', ['--root', storage, '--runroot', path.join(work, `podman-run-${i}`), 'system', 'reset', '-f']);
        fs.rmSync(storage, { recursive: true, force: true });
      }
      if (i === 0) continue; // warm-up: page cache, first Node start
      mine.push(m);
      theirs.push(s);
      unpacked.push(s + t);
      if (p !== undefined) pods.push(p);
    }
    out.mydocker = stats(mine);
    out.skopeo = stats(theirs);
    out.skopeoTar = stats(unpacked);
    if (pods.length) out.podman = stats(pods);
    out.shared = sharedBase({ work, port, arch, env, bin, log });
    return out;
  } finally {
    registry.kill('SIGTERM');
    await new Promise((r) => (registry.exitCode !== null || registry.signalCode !== null ? r() : registry.once('exit', r)));
  }
}

/** GNU tar's extraction of every layer of the OCI layout `oci` (gzip or plain), as root; returns ms. */
function untarLayers(oci) {
  const index = JSON.parse(fs.readFileSync(path.join(oci, 'index.json'), 'utf8'));
  const blob = (d) => path.join(oci, 'blobs', 'sha256', d.slice(7));
  const manifest = JSON.parse(fs.readFileSync(blob(index.manifests[0].digest), 'utf8'));
  let ms = 0;
  manifest.layers.forEach((l, i) => {
    const to = path.join(oci, `unpacked-${i}`);
    fs.mkdirSync(to);
    ms += sh('tar', ['-x', '--numeric-owner', '-p', '-f', blob(l.digest), '-C', to]).ms;
  });
  return ms;
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
