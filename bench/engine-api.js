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

/** Measures `m.apiRunTrue` (or `{unavailable}`); `h`: timed, measure, peerAsync, sleep, dir, bin, env, log. */
async function benchEngineApi(m, h) {
  if (!fs.existsSync(DOCKER)) {
    m.apiRunTrue = { unavailable: 'the docker client (/usr/bin/docker, Debian docker.io) is not installed' };
    return;
  }
  const socket = path.join(h.dir, 'docker.sock');
  const dockerConfig = path.join(h.dir, 'docker-config');
  fs.mkdirSync(dockerConfig, { recursive: true });
  h.log('docker run --rm busybox /bin/true through mydocker system service');
  const service = spawn(process.execPath, [h.bin, 'system', 'service', '--socket', `unix://${socket}`, '--time', '0'], { env: h.env, stdio: 'ignore' });
  try {
    m.apiRunTrue = await h.peerAsync('mydocker system service', async () => {
      const deadline = Date.now() + 30_000;
      while ((await ping(socket)) !== 200) {
        if (Date.now() > deadline || service.exitCode !== null) throw new Error('the service did not answer /_ping within 30 s');
        await h.sleep(100);
      }
      const client = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: dockerConfig };
      return h.measure(() => h.timed(DOCKER, ['run', '--rm', '--network', 'none', 'busybox', '/bin/true'], client).ms);
    });
  } finally {
    const gone = new Promise((resolve) => (service.exitCode !== null ? resolve() : service.once('exit', resolve)));
    service.kill('SIGTERM');
    await gone;
  }
}

module.exports = { benchEngineApi };
