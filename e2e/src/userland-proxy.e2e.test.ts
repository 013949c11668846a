import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createTcpServer, createConnection, type Server } from 'node:net';
import { resolve } from 'node:path';
import { hostHasIpv6, waitFor } from './harness';

/**
 * The IPv6 userland proxy as the network plugin starts it (the built proxy-main.js, its listening sockets as
 * fds 3 and 4), between real sockets on ::1 and servers on 127.0.0.1 standing in for the container's
 * address: busybox in the test image has no UDP server, so the container side of a UDP exchange is
 * played here. networks-docker.e2e shows the plugin starting and ending it for a real container.
 */
const PROXY = resolve(__dirname, '../../packages/network/dist/proxy-main.js');
const maybe = hostHasIpv6() ? describe : describe.skip;

interface HandleWithFd {
  _handle?: { fd?: number };
}
const fdOf = (s: unknown) => (s as HandleWithFd)._handle!.fd!;

function bound<T extends UdpSocket | Server>(s: T, listen: (s: T, done: () => void) => void): Promise<T> {
  return new Promise((done) => listen(s, () => done(s)));
}

/** One datagram to ::1 and its answer ('' when none comes within 5 s: a lost relay fails, never hangs). */
function ask(port: number, text: string): Promise<string> {
  const client = createSocket('udp6');
  return new Promise((done) => {
    const timer = setTimeout(() => {
      client.close();
      done('');
    }, 5_000);
    client.once('message', (m) => {
      clearTimeout(timer);
      client.close();
      done(String(m));
    });
    client.send(text, port, '::1');
  });
}

maybe('the IPv6 userland proxy', () => {
  let proxy: ChildProcess;
  let udpPort: number;
  let tcpPort: number;
  let udpEcho: UdpSocket;
  let tcpEcho: Server;

  beforeAll(async () => {
    // The "container": answers name the client's source port, so a reply sent to the wrong client shows.
    udpEcho = await bound(createSocket('udp4'), (s, d) => s.bind(0, '127.0.0.1', d));
    udpEcho.on('message', (m, from) => udpEcho.send(`${m} via ${from.port}`, from.port, from.address));
    tcpEcho = await bound(
      createTcpServer((c) => c.pipe(c)),
      (s, d) => s.listen(0, '127.0.0.1', d),
    );
    const udpFront = await bound(createSocket({ type: 'udp6', ipv6Only: true }), (s, d) => s.bind({ address: '::1', port: 0, exclusive: true }, d));
    const tcpFront = await bound(createTcpServer(), (s, d) => s.listen({ host: '::1', port: 0, ipv6Only: true, exclusive: true }, d));
    const targets = [
      { fd: 3, ip: '127.0.0.1', port: udpEcho.address().port, protocol: 'udp' },
      { fd: 4, ip: '127.0.0.1', port: (tcpEcho.address() as { port: number }).port, protocol: 'tcp' },
    ];
    proxy = spawn(process.execPath, [PROXY, '/nonexistent', String(process.pid), JSON.stringify(targets)], {
      stdio: ['ignore', 'pipe', 'inherit', fdOf(udpFront), fdOf(tcpFront)],
    });
    await new Promise((ready) => proxy.stdout!.once('data', ready));
    // The proxy has its own copies now; ours would compete for the datagrams and connections (the plugin's
    // CLI process likewise lets go, and the monitor only holds its copy).
    udpPort = udpFront.address().port;
    tcpPort = (tcpFront.address() as { port: number }).port;
    udpFront.close();
    tcpFront.close();
  });

  afterAll(async () => {
    proxy.kill('SIGTERM');
    await new Promise((done) => (proxy.exitCode !== null ? done(undefined) : proxy.once('exit', done)));
    udpEcho.close();
    tcpEcho.close();
  });

  it('relays UDP datagrams from ::1 to the IPv4 target and each answer back to the client that asked', async () => {
    const [a, b] = await Promise.all([ask(udpPort, 'one'), ask(udpPort, 'two')]);
    expect(a).toMatch(/^one via \d+$/);
    expect(b).toMatch(/^two via \d+$/);
    // Two clients, two upstream sockets: the target saw different source ports.
    expect(a.split(' ').pop()).not.toBe(b.split(' ').pop());
  });

  it('still carries TCP beside it, and ends on SIGTERM with nothing left', async () => {
    const echoed = await new Promise<string>((done) => {
      const c = createConnection({ host: '::1', port: tcpPort }, () => c.end('hello'));
      let got = '';
      c.on('data', (d) => (got += d)).on('close', () => done(got));
    });
    expect(echoed).toBe('hello');
    proxy.kill('SIGTERM');
    expect(
      await waitFor(
        () => proxy.exitCode,
        (c) => c !== null,
        5_000,
      ),
    ).toBe(0);
  });
});
