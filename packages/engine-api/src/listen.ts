import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { dirname } from 'node:path';
import { UsageError } from '@mydocker/core';

/** The gid of the `mydocker` group, if the host has one (then its members may use the socket). */
export function mydockerGroup(groupFile = '/etc/group'): number | undefined {
  try {
    for (const line of readFileSync(groupFile, 'utf8').split('\n')) {
      const [name, , gid] = line.split(':');
      if (name === 'mydocker' && /^\d+$/.test(gid ?? '')) return Number(gid);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** `unix:///run/mydocker/docker.sock` (or a bare absolute path) → the path. */
export function socketPath(address: string): string {
  const path = address.startsWith('unix://') ? address.slice('unix://'.length) : address;
  if (!path.startsWith('/')) throw new UsageError(`Invalid --socket "${address}": use unix:///ABSOLUTE/PATH.`);
  return path;
}

/**
 * Listens on the unix socket, created 0660 and owned by root:mydocker (root:root, so root only, when the
 * group does not exist). A stale socket file of a service that is gone is replaced; anything else at
 * the path is refused.
 */
export async function listenUnix(server: Server, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  try {
    const st = statSync(path);
    if (!st.isSocket()) throw new UsageError(`${path} exists and is not a socket: remove it or give another --socket.`);
    const inUse = await new Promise<boolean>((resolve) => {
      const probe = require('node:net').connect(path) as import('node:net').Socket;
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (inUse) throw new UsageError(`Another service is listening on ${path}: stop it or give another --socket.`);
    rmSync(path, { force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  const gid = mydockerGroup();
  chownSync(path, 0, gid ?? 0);
  chmodSync(path, gid === undefined ? 0o600 : 0o660);
}

/** systemd socket activation: the listening socket is fd 3 when LISTEN_PID is us and LISTEN_FDS ≥ 1. */
export function activationFd(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (env.LISTEN_PID !== String(process.pid) || !(Number(env.LISTEN_FDS) >= 1)) return undefined;
  return 3;
}

/** TCP only with TLS and client certificates: a plain TCP listener would hand root to the network. */
export function tlsOptions(cert: string | undefined, key: string | undefined, ca: string | undefined): TlsOptions {
  if (!cert || !key || !ca)
    throw new UsageError('A TCP listener needs --tls-cert, --tls-key and --tls-ca (client certificates are required; plain TCP is never offered).');
  return { cert: readFileSync(cert), key: readFileSync(key), ca: readFileSync(ca), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' };
}

export { createTlsServer };
