import { UsageError, type CommandArgs, type CommandContext } from '@mydocker/core';
import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { AttachBroker } from './attach-broker';
import { pluginCommands } from './commands';
import type { ApiContext } from './context';
import { ExecStore } from './exec-store';
import { activationFd, listenUnix, socketPath, tlsOptions } from './listen';
import { createApiServer } from './server';

import { DEFAULT_SOCKET } from './index';

/**
 * `mydocker system service`: the Docker Engine API on a unix socket (or systemd's, when socket-activated),
 * plus a TLS-only TCP listener with client certificates when asked. With `--time N` it ends after N
 * seconds without a connection (0: never); containers live on, owned by their monitors.
 */
export async function runService(args: CommandArgs, ctx: CommandContext): Promise<number> {
  const idleSeconds = args.time === undefined ? 5 : Number(args.time);
  if (!Number.isInteger(idleSeconds) || idleSeconds < 0) throw new UsageError(`Invalid --time "${args.time}": give whole seconds (0: never exit).`);
  const api: ApiContext = {
    bus: ctx.bus,
    engine: ctx.engine,
    config: ctx.config,
    commandContext: { bus: ctx.bus, config: ctx.config, engine: ctx.engine },
    registry: pluginCommands(ctx.bus),
    attach: new AttachBroker(ctx.bus),
    execs: new ExecStore(),
  };
  const servers: Array<{ server: Server; active: () => number; onIdle: (fn: () => void) => void; where: string; path?: string }> = [];
  const unix = createApiServer(api);
  const fd = activationFd();
  if (fd !== undefined) {
    await new Promise<void>((resolve, reject) => unix.server.listen({ fd }, resolve).once('error', reject));
    servers.push({ ...unix, where: 'the socket systemd passed' });
  } else {
    const path = socketPath(String(args.socket ?? DEFAULT_SOCKET));
    await listenUnix(unix.server, path);
    servers.push({ ...unix, where: `unix://${path}`, path });
  }
  if (args.host !== undefined) {
    const m = /^tcp:\/\/([^:]+|\[[^\]]+\]):(\d+)$/.exec(String(args.host));
    if (!m) throw new UsageError(`Invalid --host "${args.host}": use tcp://ADDRESS:PORT (TLS with client certificates).`);
    const tcp = createApiServer(api, tlsOptions(args['tls-cert'], args['tls-key'], args['tls-ca']));
    await new Promise<void>((resolve, reject) => tcp.server.listen(Number(m[2]), m[1].replace(/^\[|\]$/g, ''), resolve).once('error', reject));
    servers.push({ ...tcp, where: `tcp://${m[1]}:${m[2]} (TLS, client certificates required)` });
  }
  ctx.stderr.write(`mydocker Engine API listening on ${servers.map((s) => s.where).join(' and ')}${idleSeconds ? `; exits after ${idleSeconds}s idle` : ''}\n`);

  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const armIdle = () => {
      if (!idleSeconds || servers.some((s) => s.active() > 0)) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!servers.some((s) => s.active() > 0)) resolve();
      }, idleSeconds * 1000);
    };
    for (const s of servers) {
      s.server.on('connection', () => clearTimeout(timer));
      s.onIdle(armIdle);
    }
    armIdle();
    // The socket files go at once, in the signal's own listener: the next service must find no stale
    // socket even if the process ends before the servers have closed.
    const stop = () => {
      for (const s of servers) if (s.path) rmSync(s.path, { force: true });
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  for (const s of servers) {
    s.server.close();
    s.server.closeAllConnections?.();
  }
  for (const s of servers) if (s.path) rmSync(s.path, { force: true });
  // A follower whose client went away as we closed (logs -f polling a running container's log) would
  // keep the process; nothing of ours is left to finish once the servers are closed.
  setTimeout(() => process.exit(0), 2000).unref();
  return 0;
}
