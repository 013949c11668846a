/**
 * The userland proxy process (`node proxy-main.js STATE_DIR WATCH_PID TARGETS_JSON`), Docker's
 * docker-proxy for IPv6 host addresses: it accepts on the listening sockets it was given (fds 3, 4, ...,
 * bound by the plugin, the same ones the monitor holds) and copies each connection to the container's
 * IPv4 address; UDP datagrams are relayed per client address (answers go back to the client that asked).
 * It lives exactly as long as the process it watches (the container's monitor, or a
 * foreground `run`): once that is gone, it exits. Node built-ins only: it must start fast and load no
 * plugin or core code. STATE_DIR is the container's directory, so the process is recognisable by it.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';

interface Target {
  fd: number;
  ip: string;
  port: number;
  protocol?: 'tcp' | 'udp';
}

/** docker-proxy's UDP "connection" timeout: a client silent this long gets a fresh upstream socket next time. */
const UDP_IDLE_MS = 90_000;

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[0] === 'Z' || rest[0] === 'X' ? undefined : rest[19];
  } catch {
    return undefined;
  }
}

/** Both directions, half-closes kept (a client that shuts down its sending side still gets the answer). */
function splice(client: Socket, target: Target): void {
  const upstream = createConnection({ host: target.ip, port: target.port, allowHalfOpen: true });
  const drop = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', drop).on('close', () => upstream.end());
  upstream.on('error', drop).on('close', () => client.end());
  client.pipe(upstream);
  upstream.pipe(client);
}

/**
 * UDP has no connections: one upstream socket per client address, so the container's answer (which arrives
 * on that socket, from the target) can be sent back to the client it belongs to.
 */
function relayUdp(target: Target): void {
  const front = createSocket('udp6');
  const flows = new Map<string, { up: UdpSocket; last: number }>();
  front.on('message', (datagram, client) => {
    const key = `[${client.address}]:${client.port}`;
    let flow = flows.get(key);
    if (!flow) {
      const up = createSocket('udp4');
      const created = { up, last: Date.now() };
      up.on('message', (answer, from) => {
        if (from.address !== target.ip || from.port !== target.port) return;
        created.last = Date.now();
        front.send(answer, client.port, client.address);
      });
      up.on('error', () => {
        up.close();
        flows.delete(key);
      });
      flows.set(key, (flow = created));
    }
    flow.last = Date.now();
    flow.up.send(datagram, target.port, target.ip);
  });
  front.on('error', () => process.exit(1));
  front.bind({ fd: target.fd });
  setInterval(() => {
    for (const [key, f] of flows) {
      if (Date.now() - f.last > UDP_IDLE_MS) {
        f.up.close();
        flows.delete(key);
      }
    }
  }, 10_000).unref();
}

function main(): void {
  const [, , , watchText, targetsText] = process.argv;
  const watched = Number(watchText);
  const born = startTime(watched);
  if (!born) process.exit(1);
  const targets = JSON.parse(targetsText) as Target[];
  for (const t of targets) {
    if (t.protocol === 'udp') {
      relayUdp(t);
      continue;
    }
    const server = createServer({ allowHalfOpen: true }, (client) => splice(client, t));
    server.on('error', () => process.exit(1));
    server.listen({ fd: t.fd });
  }
  // Exit with the watched process: no daemon, nothing left once the container's monitor has gone.
  setInterval(() => {
    if (startTime(watched) !== born) process.exit(0);
  }, 500);
  process.on('SIGTERM', () => process.exit(0));
  process.stdout.write('ready\n');
}

main();
