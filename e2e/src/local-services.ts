import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer as netServer } from 'node:net';
import { join } from 'node:path';
import { host, waitFor } from './harness';

/**
 * The local peers e2e files start, once: a free TCP port on 127.0.0.1, a bridge subnet no host route
 * touches, and Debian's docker-registry serving from a sandbox folder.
 */

/** A TCP port that was free on 127.0.0.1 a moment ago (the kernel chose it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A 10.SECOND.x.0/24 that no host route touches (each file its own SECOND, so files never collide). */
export function freeSubnet(second: number): string {
  const routes = host('ip', ['-4', '-o', 'route', 'show', 'table', 'all']).stdout;
  for (let x = 100 + Math.floor(Math.random() * 100); x < 255; x++) if (!routes.includes(`10.${second}.${x}.`)) return `10.${second}.${x}.0/24`;
  throw new Error('no free subnet');
}

export interface RegistryOptions {
  /** Folder for its config and storage (the sandbox's). */
  dir: string;
  name: string;
  /** An htpasswd file's content: turns on Basic auth. */
  htpasswd?: string;
  /** Serve TLS on `address` with this certificate. */
  tls?: { cert: string; key: string; address: string };
  /** More config lines (a token `auth:` section). */
  extra?: string[];
  /** The statuses of `GET /v2/` that mean "up": 200, or 401 with auth (the default: either). */
  upStatuses?: number[];
}

/** An htpasswd line (bcrypt, as the registry wants), made by the system's crypt(3) through Python. */
export function htpasswdLine(user: string, password: string): string {
  const script = 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))';
  const r = spawnSync('python3', ['-W', 'ignore', '-c', script, password], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 crypt exited ${r.status}: ${r.stderr}`);
  return `${user}:${r.stdout.trim()}\n`;
}

/** The status of `GET /v2/` over TLS, the certificate unchecked: only whether the registry is up. */
function httpsStatus(address: string, port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = httpsGet({ host: address, port, path: '/v2/', rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });
}

/** A docker-registry (distribution 2.8) on a free port; resolves once it answers, else throws. */
export async function startRegistry(o: RegistryOptions): Promise<{ port: number; child: ChildProcess }> {
  const address = o.tls?.address ?? '127.0.0.1';
  const port = await freePort();
  const data = join(o.dir, `${o.name}-data`);
  mkdirSync(data, { recursive: true });
  const config = join(o.dir, `${o.name}.yml`);
  const lines = ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${data}`, 'http:', `  addr: ${address}:${port}`];
  if (o.tls) lines.push('  tls:', `    certificate: ${o.tls.cert}`, `    key: ${o.tls.key}`);
  if (o.htpasswd) {
    const file = join(o.dir, `${o.name}.htpasswd`);
    writeFileSync(file, o.htpasswd);
    lines.push('auth:', '  htpasswd:', '    realm: test-realm', `    path: ${file}`);
  }
  lines.push(...(o.extra ?? []));
  writeFileSync(config, `${lines.join('\n')}\n`);
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const statuses = o.upStatuses ?? [200, 401];
  const up = await waitFor(
    () =>
      o.tls
        ? httpsStatus(address, port)
        : fetch(`http://127.0.0.1:${port}/v2/`).then(
            (r) => r.status,
            () => 0,
          ),
    (s) => statuses.includes(s),
    15_000,
  );
  if (!statuses.includes(up)) {
    child.kill('SIGKILL');
    throw new Error(`docker-registry (${o.name}) did not start`);
  }
  return { port, child };
}
