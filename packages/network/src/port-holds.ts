import { createSocket, type Socket } from 'node:dgram';
import { fstatSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { ConflictError, MydockerError, UsageError } from '@mydocker/core';
import type { PortMapping } from './model';
import { describePort } from './ports';

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

function refusal(m: PortMapping, err: NodeJS.ErrnoException): Error {
  const where = describePort(m);
  if (err.code === 'EADDRINUSE') {
    return new ConflictError(
      `Host port ${where} cannot be published: address already in use by another program on this host; stop it or choose another host port.`,
    );
  }
  if (err.code === 'EADDRNOTAVAIL') return new UsageError(`Host port ${where} cannot be published: ${m.hostIp} is not an address of this host.`);
  return new MydockerError(`Host port ${where} cannot be reserved: ${err.message}.`);
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
    server.listen({ host: m.hostIp || '0.0.0.0', port: m.hostPort, exclusive: true, backlog: 1 }, () => {
      // The reservation must never keep a detached `run` alive. Once the monitor has the socket, the
      // runtime may close this process's descriptor under the handle; a late event must not crash us.
      server.unref();
      server.on('error', () => undefined);
      const fd = fdOf(server);
      resolve({ mapping: m, fd, inode: fstatSync(fd).ino, close: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

function holdUdp(m: PortMapping): Promise<PortHold> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createSocket({ type: 'udp4', reuseAddr: false });
    socket.once('error', (err) => reject(refusal(m, err)));
    socket.bind({ address: m.hostIp || '0.0.0.0', port: m.hostPort, exclusive: true }, () => {
      socket.unref();
      socket.on('error', () => undefined);
      const fd = fdOf(socket);
      resolve({ mapping: m, fd, inode: fstatSync(fd).ino, close: () => new Promise<void>((done) => socket.close(() => done())) });
    });
  });
}

/** Binds every published host port, or none: on a refusal the ones already bound are closed. */
export async function holdPorts(ports: PortMapping[]): Promise<PortHold[]> {
  const held: PortHold[] = [];
  try {
    for (const m of ports) held.push(await (m.protocol === 'udp' ? holdUdp(m) : holdTcp(m)));
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
