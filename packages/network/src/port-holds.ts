import { createSocket, type Socket } from 'node:dgram';
import { existsSync, fstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { ConflictError, MydockerError, UsageError } from '@mydocker/core';
import type { PortMapping } from './model';
import { describePort, isV6 } from './ports';

/**
 * A published host port held by a bound socket, as Docker's proxy and kube-proxy hold theirs: while it is
 * open no host process can bind the port, so the DNAT rule never steals traffic meant for someone else,
 * and a port some process already listens on is refused instead of hijacked. TCP sockets also listen:
 * a merely bound socket does not stop another SO_REUSEADDR socket from binding and listening.
 */
export interface PortHold {
  mapping: PortMapping;
  fd: number;
  /** The socket's inode, to recognise it in another process's /proc/PID/fd. */
  inode: number;
  close(): Promise<void>;
}

interface HandleWithFd {
  _handle?: { fd?: number };
}

/** One sentence for a failed bind; `code` keeps the errno, which `holdOne` reads for the IPv6 side. */
function refusal(m: PortMapping, err: NodeJS.ErrnoException): Error {
  const where = describePort(m);
  const code = { code: err.code };
  if (err.code === 'EADDRINUSE') {
    return Object.assign(
      new ConflictError(`Host port ${where} cannot be published: address already in use by another program on this host; stop it or choose another host port.`),
      code,
    );
  }
  if (err.code === 'EADDRNOTAVAIL')
    return Object.assign(new UsageError(`Host port ${where} cannot be published: ${m.hostIp} is not an address of this host.`), code);
  return Object.assign(new MydockerError(`Host port ${where} cannot be reserved: ${err.message}.`), code);
}

function fdOf(handle: unknown): number {
  const fd = (handle as HandleWithFd)._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new MydockerError('Node did not expose the descriptor of a port reservation socket.');
  return fd;
}

function holdTcp(m: PortMapping): Promise<PortHold> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer();
    server.once('error', (err) => reject(refusal(m, err)));
    // ipv6Only: "::" must not take the IPv4 side, which the "" mapping holds (and the DNAT rule serves).
    server.listen({ host: m.hostIp || '0.0.0.0', port: m.hostPort, exclusive: true, backlog: 1, ipv6Only: isV6(m) }, () => {
      // The reservation must never keep a detached `run` alive. Once the monitor has the socket, the
      // runtime may close this process's descriptor under the handle; a late event must not crash us.
      server.unref();
      server.on('error', () => undefined);
      const fd = fdOf(server);
      const bound = { ...m, hostPort: (server.address() as { port: number }).port };
      resolve({ mapping: bound, fd, inode: fstatSync(fd).ino, close: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

function holdUdp(m: PortMapping): Promise<PortHold> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createSocket({ type: isV6(m) ? 'udp6' : 'udp4', reuseAddr: false, ipv6Only: isV6(m) });
    socket.once('error', (err) => reject(refusal(m, err)));
    socket.bind({ address: m.hostIp || '0.0.0.0', port: m.hostPort, exclusive: true }, () => {
      socket.unref();
      socket.on('error', () => undefined);
      const fd = fdOf(socket);
      const bound = { ...m, hostPort: socket.address().port };
      resolve({ mapping: bound, fd, inode: fstatSync(fd).ino, close: () => new Promise<void>((done) => socket.close(() => done())) });
    });
  });
}

/** The host has IPv6 (a kernel with it, and an address on some interface): `-p 8080:80` also binds "::". */
export function hostHasIpv6(): boolean {
  try {
    return existsSync('/proc/net/if_inet6') && readFileSync('/proc/net/if_inet6', 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

function holdSingle(m: PortMapping): Promise<PortHold> {
  return m.protocol === 'udp' ? holdUdp(m) : holdTcp(m);
}

/**
 * One mapping's sockets. A port on every address ("") also holds "::" on the same port where the host
 * has IPv6, as Docker binds 0.0.0.0 and :: (TCP and UDP); a port the kernel chose whose IPv6 side is taken is chosen again.
 */
async function holdOne(m: PortMapping): Promise<PortHold[]> {
  const both = m.hostIp === '' && hostHasIpv6();
  for (let attempt = 0; ; attempt++) {
    const v4 = await holdSingle(m);
    if (!both) return [v4];
    try {
      return [v4, await holdSingle({ ...v4.mapping, hostIp: '::', implicit: true })];
    } catch (err) {
      await v4.close();
      const code = (err as { code?: string }).code;
      if (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL') return [await holdSingle(m)]; // IPv6 off after all
      if (!(err instanceof ConflictError) || m.hostPort !== 0 || attempt >= 5) throw err;
    }
  }
}

/** `-p 8000-8010:80`: the first port of the range that is free. */
async function holdFromRange(m: PortMapping, end: number): Promise<PortHold[]> {
  const { hostPortEnd: _end, ...single } = m;
  for (let p = m.hostPort; ; p++) {
    try {
      return await holdOne({ ...single, hostPort: p });
    } catch (err) {
      if (!(err instanceof ConflictError) || p >= end) {
        if (err instanceof ConflictError)
          throw new ConflictError(`No host port from ${m.hostPort} to ${end}/${m.protocol} is free: every one is in use; choose another range.`);
        throw err;
      }
    }
  }
}

/**
 * Binds every published host port, or none: on a refusal the ones already bound are closed. Each hold's
 * mapping is the one bound (a port the kernel chose for hostPort 0, the free port of a range).
 */
export async function holdPorts(ports: PortMapping[]): Promise<PortHold[]> {
  const held: PortHold[] = [];
  try {
    for (const m of ports) held.push(...(await (m.hostPortEnd !== undefined ? holdFromRange(m, m.hostPortEnd) : holdOne(m))));
  } catch (err) {
    await releaseHolds(held);
    throw err;
  }
  return held;
}

export async function releaseHolds(holds: PortHold[]): Promise<void> {
  await Promise.all(holds.map((h) => h.close().catch(() => undefined)));
}

/** Socket inodes another process holds open (from /proc/PID/fd). */
export function socketInodesOf(pid: number): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** True while `hold.fd` in this process is still the socket that was bound (nobody closed or reused it). */
export function stillOurs(hold: PortHold): boolean {
  try {
    return fstatSync(hold.fd).ino === hold.inode;
  } catch {
    return false;
  }
}
