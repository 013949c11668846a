'use strict';
/**
 * The Engine API side of `npm run bench` (issue 19): Debian's docker client runs `docker run --rm
 * --network none busybox /bin/true` through `mydocker system service` on a throw-away socket in the bench
 * directory, with the bench's store — the same image and root filesystem as the `mydocker run --rm` row.
 * `--network none` is explicit: the docker client asks for its "default" network, and the bench's other
 * rows run without one. The service is started once (not measured) and stopped at the end.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const DOCKER = '/usr/bin/docker';

function ping(socketPath) {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', headers: { Host: 'docker' } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(0));
  });
}

/**
 * Starts an API service (`cmd args`, listening on `socket`), waits for its /_ping, times `docker run ARGS`
 * through it (h.measure), and stops it. Throws (for h.peerAsync) when the service does not come up.
 */
async function throughService(h, cmd, args, socket, runArgs) {
  const dockerConfig = path.join(h.dir, 'docker-config');
  fs.mkdirSync(dockerConfig, { recursive: true });
  const service = spawn(cmd, args, { env: h.env, stdio: 'ignore' });
  try {
    const deadline = Date.now() + 30_000;
    while ((await ping(socket)) !== 200) {
      if (Date.now() > deadline || service.exitCode !== null) throw new Error(`${path.basename(cmd)}'s service did not answer /_ping within 30 s`);
      await h.sleep(100);
    }
    const client = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: dockerConfig };
    return h.measure(() => h.timed(DOCKER, ['run', '--rm', ...runArgs], client).ms);
  } finally {
    const gone = new Promise((resolve) => (service.exitCode !== null ? resolve() : service.once('exit', resolve)));
    service.kill('SIGTERM');
    await gone;
  }
}

const NO_CLIENT = { unavailable: 'the docker client (/usr/bin/docker, Debian docker.io) is not installed' };

/** Measures `m.apiRunTrue` (or `{unavailable}`); `h`: timed, measure, peerAsync, sleep, dir, bin, env, log. */
async function benchEngineApi(m, h) {
  if (!fs.existsSync(DOCKER)) {
    m.apiRunTrue = NO_CLIENT;
    return;
  }
  h.log('docker run --rm busybox /bin/true through mydocker system service');
  const socket = path.join(h.dir, 'docker.sock');
  const args = [h.bin, 'system', 'service', '--socket', `unix://${socket}`, '--time', '0'];
  m.apiRunTrue = await h.peerAsync('mydocker system service', () =>
    throughService(h, process.execPath, args, socket, ['--network', 'none', 'busybox', '/bin/true']),
  );
}

/**
 * The same docker client through Podman's API service on the bench's Podman storage (`podmanArgs`: its
 * global flags; `runArgs`: the limits this host needs and the image), for `m.podmanApiRunTrue`.
 */
async function benchPodmanApi(m, h, podmanArgs, runArgs) {
  if (!fs.existsSync(DOCKER)) {
    m.podmanApiRunTrue = NO_CLIENT;
    return;
  }
  h.log('docker run --rm busybox /bin/true through podman system service');
  const socket = path.join(h.dir, 'podman.sock');
  m.podmanApiRunTrue = await h.peerAsync('podman system service', () =>
    throughService({ ...h, env: process.env }, 'podman', [...podmanArgs, 'system', 'service', '--time', '0', `unix://${socket}`], socket, runArgs),
  );
}

module.exports = { benchEngineApi, benchPodmanApi };
