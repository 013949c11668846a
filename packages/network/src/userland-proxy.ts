import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MydockerError, isProcessAlive, processStartTime } from '@mydocker/core';

/**
 * Starts and stops a container's userland proxy (see proxy-main.ts): the IPv6 side of its published
 * ports. Its pid and start time are kept in the container's directory (`userland-proxy.pid`), so
 * whichever process releases the container (the monitor's clean-up, `stop`, `rm`) can end it.
 */
export interface ProxyTarget {
  /** The listening socket in this process. */
  fd: number;
  ip: string;
  port: number;
  protocol: 'tcp' | 'udp';
}

const PID_FILE = 'userland-proxy.pid';
const READY_MS = 30_000;

export async function startProxy(containerDir: string, watchPid: number, targets: ProxyTarget[]): Promise<void> {
  const script = join(__dirname, 'proxy-main.js');
  const wire = targets.map((t, i) => ({ fd: 3 + i, ip: t.ip, port: t.port, protocol: t.protocol }));
  const child = spawn(process.execPath, [script, containerDir, String(watchPid), JSON.stringify(wire)], {
    stdio: ['ignore', 'pipe', 'ignore', ...targets.map((t) => t.fd)],
    detached: true,
    cwd: '/',
    env: {},
  });
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), READY_MS);
    child.stdout!.once('data', () => resolve(true));
    child.once('exit', () => resolve(false));
    child.once('error', () => resolve(false));
    timer.unref();
  });
  child.stdout!.destroy();
  child.unref();
  if (!ready || !child.pid) {
    if (child.pid) killQuietly(child.pid);
    throw new MydockerError('The IPv6 port proxy of the container did not start.');
  }
  writeFileSync(join(containerDir, PID_FILE), `${child.pid} ${processStartTime(child.pid) ?? ''}\n`);
}

/** Ends the proxy named in the container's directory, if it still runs; idempotent. */
export function stopProxy(containerDir: string): void {
  const file = join(containerDir, PID_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  const [pid, start] = text.trim().split(' ');
  if (isProcessAlive(Number(pid), start ? Number(start) : undefined)) killQuietly(Number(pid));
  rmSync(file, { force: true });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // gone meanwhile
  }
}
