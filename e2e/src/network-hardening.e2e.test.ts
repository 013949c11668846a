import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { host, httpGet, Sandbox, waitFor } from './harness';

/**
 * Issue 12 (networking) and issue 13 (damaged network files, interrupted `network create`, damaged
 * container records). Traffic goes only to 127.0.0.1 and to addresses inside the bridges made here.
 */

/** A 10.232.x.0/24 that no host route touches. */
function freeSubnets(count: number): string[] {
  const routes = host('ip', ['-4', '-o', 'route', 'show', 'table', 'all']).stdout;
  const out: string[] = [];
  for (let x = 10 + Math.floor(Math.random() * 150); out.length < count && x < 255; x++) {
    if (!routes.includes(`10.232.${x}.`)) out.push(`10.232.${x}.0/24`);
  }
  return out;
}

/** A host service on 127.0.0.1 that answers every connection with `reply`. */
function loopbackServer(port: number, reply: string, hostIp = '127.0.0.1'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => s.end(reply));
    server.once('error', reject);
    server.listen(port, hostIp, () => resolve(server));
  });
}

/** The error code a host program gets when it tries to listen on the port now (undefined: it could). */
function tryListen(port: number, hostIp = '0.0.0.0'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    server.listen(port, hostIp, () => server.close(() => resolve(undefined)));
  });
}

function readFrom(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.setEncoding('utf8').on('data', (d) => (got += d));
    s.on('close', () => resolve(got)).on('error', () => resolve(got));
    s.setTimeout(2000, () => s.destroy());
  });
}

const close = (server: Server) => new Promise<void>((r) => server.close(() => r()));
const randomPort = () => 20000 + Math.floor(Math.random() * 30000);
const linkExists = (name: string) => host('ip', ['link', 'show', 'dev', name]).code === 0;
const bridgePorts = (bridge: string) => host('ip', ['-o', 'link', 'show', 'master', bridge]).stdout.trim();
const iptablesSave = () => host('iptables-save', []).stdout;
const oneSentence = (stderr: string) => {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^Error: [^\n]+\n$/);
  expect(stderr).not.toMatch(/Error: Error|\n\s+at /);
};

describe('network hardening', () => {
  const sandbox = new Sandbox('nethard');
  const rootHash = createHash('sha256').update(sandbox.root).digest('hex').slice(0, 8);
  const subnets = freeSubnets(8);
  const prefix = `nh${sandbox.tag}`.toLowerCase();
  const networksDir = join(sandbox.root, 'networks');
  const inspect = async (name: string) => JSON.parse(await sandbox.ok(['container-record', name]))[0];

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
    expect(iptablesSave()).not.toContain(`MYDOCKER-${rootHash}`);
    expect(host('ip', ['-o', 'link', 'show']).stdout).not.toContain(prefix);
  });

  describe("CVE-2020-8558: host loopback services are out of a container's reach", () => {
    const net = `${prefix}l`;
    const gateway = subnets[0].replace('.0/24', '.1');
    let secret: Server;
    const secretPort = randomPort();
    const publishedPort = secretPort + 1;

    beforeAll(async () => {
      secret = await loopbackServer(secretPort, 'host-secret\n');
      await sandbox.ok(['network', 'create', '--subnet', subnets[0], net]);
    });
    afterAll(async () => {
      await close(secret);
      await sandbox.run(['rm', '-f', 'attacker', 'web']);
      await sandbox.ok(['network', 'rm', net]);
    });

    it('a container that routes 127.0.0.1 through the gateway gets nothing, and the guard saw its packets', async () => {
      await sandbox.ok(['run', '-d', '--name', 'attacker', '--net', net, 'busybox', 'sleep', '1000']);
      const pid = (await inspect('attacker')).pid as number;
      // What the CVE's exploits do from a container: send to 127.0.0.1 with the gateway's MAC as the
      // next hop. Made here from the host side, in the container's network namespace only.
      const setup = host('nsenter', [
        `--net=/proc/${pid}/ns/net`,
        'sh',
        '-c',
        `ip addr del 127.0.0.1/8 dev lo && sysctl -qw net.ipv4.conf.all.route_localnet=1 && sysctl -qw net.ipv4.conf.eth0.route_localnet=1 && ip route add 127.0.0.0/8 via ${gateway} dev eth0`,
      ]);
      expect(setup.stderr).toBe('');
      expect(setup.code).toBe(0);
      const attempt = await sandbox.run(['exec', 'attacker', 'sh', '-c', `echo | nc -w 3 127.0.0.1 ${secretPort}`]);
      expect(attempt.stdout).not.toContain('host-secret');
      // The packets did reach the bridge with a loopback destination, and the raw rule dropped them.
      const guard = host('iptables-save', ['-c', '-t', 'raw'])
        .stdout.split('\n')
        .find((l) => l.includes(`-i ${net} `) && l.includes('-d 127.0.0.0/8'));
      expect(guard).toBeDefined();
      expect(Number(/^\[(\d+):/.exec(guard!)![1])).toBeGreaterThan(0);
      // The route_localnet setting stays on the bridge only: never on all interfaces.
      expect(readFileSync('/proc/sys/net/ipv4/conf/all/route_localnet', 'utf8').trim()).toBe('0');
    });

    it('a port published on 127.0.0.1 still works from the host', async () => {
      await sandbox.ok([
        'run',
        '-d',
        '--name',
        'web',
        '--net',
        net,
        '-p',
        `127.0.0.1:${publishedPort}:80`,
        'busybox',
        'sh',
        '-c',
        'mkdir -p /w && echo published > /w/index.html && exec httpd -f -p 80 -h /w',
      ]);
      expect(
        await waitFor(
          () => httpGet(`http://127.0.0.1:${publishedPort}/`),
          (s) => s.includes('published'),
          10_000,
        ),
      ).toBe('published\n');
    });

    it('a network made before the guard existed gets it when a container joins', async () => {
      const file = join(networksDir, `${net}.json`);
      const { loopbackGuard, ...old } = JSON.parse(readFileSync(file, 'utf8'));
      expect(loopbackGuard).toBe(true);
      writeFileSync(file, JSON.stringify(old));
      const guard = () =>
        host('iptables-save', ['-t', 'raw'])
          .stdout.split('\n')
          .find((l) => l.includes(`-i ${net} `) && l.includes('-d 127.0.0.0/8'));
      expect(host('iptables', ['-t', 'raw', ...guard()!.replace(/^-A /, '-D ').replace(/"/g, '').split(' ')]).code).toBe(0);
      expect(guard()).toBeUndefined();
      await sandbox.ok(['run', '--rm', '--net', net, 'busybox', 'true']);
      expect(guard()).toBeDefined();
      expect(JSON.parse(readFileSync(file, 'utf8')).loopbackGuard).toBe(true);
    });
  });

  describe('published host ports are reserved by bound sockets', () => {
    const net = `${prefix}p`;
    beforeAll(() => sandbox.ok(['network', 'create', '--subnet', subnets[1], net]));
    afterAll(async () => {
      await sandbox.run(['rm', '-f', 'holder', 'second']);
      await sandbox.ok(['network', 'rm', net]);
    });

    it('refuses a host port a host program listens on (tcp and udp), changes nothing, and leaves its traffic alone', async () => {
      const port = randomPort();
      const program = await loopbackServer(port, 'host-program\n');
      const udp = createSocket('udp4');
      await new Promise<void>((r) => udp.bind(port + 1, '127.0.0.1', () => r()));
      try {
        const before = await sandbox.ok(['ps', '-a', '-q']);
        for (const spec of [`${port}:80`, `127.0.0.1:${port}:80`, `127.0.0.1:${port + 1}:53/udp`]) {
          const r = await sandbox.run(['run', '-d', '--net', net, '-p', spec, 'busybox', 'sleep', '100']);
          expect(r.code).toBe(125);
          expect(r.stderr).toMatch(/address already in use/);
          expect(r.stderr).toContain(`${spec.split(':').slice(0, -1).join(':')}/${spec.endsWith('/udp') ? 'udp' : 'tcp'}`);
          oneSentence(r.stderr);
        }
        expect(await sandbox.ok(['ps', '-a', '-q'])).toBe(before);
        expect(bridgePorts(net)).toBe('');
        expect(iptablesSave()).not.toMatch(new RegExp(`--dport (${port}|${port + 1}) `));
        expect(await readFrom(port)).toBe('host-program\n');
      } finally {
        await close(program);
        udp.close();
      }
    });

    it('holds the port while a foreground container runs, and frees it when it ends', async () => {
      const port = randomPort();
      const run = sandbox.run(['run', '--rm', '--name', 'fg', '--net', net, '-p', `${port}:80`, 'busybox', 'sleep', '6']);
      expect(
        await waitFor(
          () => sandbox.run(['ps', '-q', '--filter', 'name=fg']).then((r) => r.stdout),
          (s) => s.trim() !== '',
          20_000,
        ),
      ).not.toBe('');
      expect(await tryListen(port)).toBe('EADDRINUSE');
      expect(await tryListen(port, '127.0.0.1')).toBe('EADDRINUSE');
      expect((await run).code).toBe(0);
      expect(await tryListen(port)).toBeUndefined();
    });

    it("holds the port for a detached container's whole life (through its monitor); a second container is refused", async () => {
      const port = randomPort();
      await sandbox.ok(['run', '-d', '--name', 'holder', '--net', net, '-p', `${port}:80`, 'busybox', 'sleep', '1000']);
      expect(await tryListen(port)).toBe('EADDRINUSE');
      const second = await sandbox.run(['run', '-d', '--name', 'second', '--net', net, '-p', `${port}:8080`, 'busybox', 'sleep', '100']);
      expect(second.code).toBe(125);
      expect(second.stderr).toMatch(new RegExp(`port ${port}/tcp is already published by container holder`));
      oneSentence(second.stderr);
      await sandbox.ok(['rm', '-f', 'holder']);
      expect(
        await waitFor(
          () => tryListen(port),
          (c) => c === undefined,
          5000,
        ),
      ).toBeUndefined();
    });
  });

  describe('damaged network and address files', () => {
    const damages: Array<[string, (good: string) => string]> = [
      ['garbage', () => '\u0000\u0001 not json at all }{'],
      ['truncated', (good) => good.slice(0, Math.floor(good.length / 2))],
      ['empty', () => ''],
      ['wrong types', (good) => JSON.stringify({ ...JSON.parse(good), subnet: 42, allocations: [], ports: 'none' })],
    ];

    it.each(damages)('a %s network file: one sentence everywhere, rm -f and network rm still clean up', async (_kind, damage) => {
      const net = `${prefix}d`;
      await sandbox.ok(['network', 'create', '--subnet', subnets[2], net]);
      await sandbox.ok(['run', '-d', '--name', 'on-damaged', '--net', net, '-p', `${randomPort()}:80`, 'busybox', 'sleep', '1000']);
      const { hostVeth, ip } = (await inspect('on-damaged')).ext.network;
      const file = join(networksDir, `${net}.json`);
      writeFileSync(file, damage(readFileSync(file, 'utf8')));

      const ls = await sandbox.run(['network', 'ls', '--format', '{{.Name}}']);
      expect(ls.code).toBe(0);
      // Listed beside the pre-defined host and none.
      expect(ls.stdout.split('\n').filter((n) => n && n !== 'host' && n !== 'none')).toEqual([net]);
      expect(ls.stderr).toContain(file);
      expect(ls.stderr).toContain(`mydocker network rm ${net}`);
      for (const args of [
        ['network', 'inspect', net],
        ['run', '--rm', '--net', net, 'busybox', 'true'],
      ]) {
        const r = await sandbox.run(args);
        expect(r.code).toBe(125);
        expect(r.stderr).toContain(`The network file ${file} is damaged`);
        oneSentence(r.stderr);
      }
      const rm = await sandbox.run(['rm', '-f', 'on-damaged']);
      expect(rm).toMatchObject({ code: 0, stderr: '' });
      expect(linkExists(hostVeth)).toBe(false);
      expect(iptablesSave()).not.toContain(ip);
      expect(await sandbox.ok(['network', 'rm', net])).toBe(`${net}\n`);
      expect(linkExists(net)).toBe(false);
      expect(iptablesSave()).not.toContain(`mydocker:net:${net}`);
      expect(await sandbox.ok(['network', 'ls', '-q', '--filter', 'type=custom'])).toBe('');
    });

    it.each(damages)('a %s address file: run says to prune, rm -f succeeds, prune rebuilds it from the records', async (_kind, damage) => {
      const net = `${prefix}i`;
      await sandbox.ok(['network', 'create', '--subnet', subnets[3], net]);
      await sandbox.ok(['run', '-d', '--name', 'keeps', '--net', net, 'busybox', 'sleep', '1000']);
      await sandbox.ok(['run', '-d', '--name', 'goes', '--net', net, 'busybox', 'sleep', '1000']);
      const keeps = (await inspect('keeps')).ext.network;
      const goes = (await inspect('goes')).ext.network;
      const file = join(networksDir, 'ipam.json');
      writeFileSync(file, damage(readFileSync(file, 'utf8')));

      for (const args of [
        ['run', '--rm', '--net', net, 'busybox', 'true'],
        ['network', 'inspect', net],
      ]) {
        const r = await sandbox.run(args);
        expect(r.code).toBe(125);
        expect(r.stderr).toContain(`The network address file ${file} is damaged`);
        expect(r.stderr).toContain('mydocker system prune');
        oneSentence(r.stderr);
      }
      const rm = await sandbox.run(['rm', '-f', 'goes']);
      expect(rm.code).toBe(0);
      expect(rm.stderr).not.toMatch(/\n\s+at |Error/);
      expect(linkExists(goes.hostVeth)).toBe(false);

      const prune = await sandbox.ok(['system', 'prune', '-f']);
      expect(prune).toContain('ipam.json was damaged; rebuilt');
      expect(JSON.parse(readFileSync(file, 'utf8')).allocations).toEqual({
        [net]: { [keeps.ip]: { containerId: (await inspect('keeps')).id, containerName: 'keeps', hostVeth: keeps.hostVeth } },
      });
      // The rebuilt table does not hand out the address a live container holds.
      await sandbox.ok(['run', '-d', '--name', 'after', '--net', net, 'busybox', 'sleep', '1000']);
      expect((await inspect('after')).ext.network.ip).not.toBe(keeps.ip);
      await sandbox.ok(['rm', '-f', 'keeps', 'after']);
      await sandbox.ok(['network', 'rm', net]);
      expect(linkExists(net)).toBe(false);
    });
  });

  describe('an interrupted network create', () => {
    const net = `${prefix}k`;
    const killedCreate = async () => {
      const r = await sandbox.run(['network', 'create', '--subnet', subnets[4], net], { env: { MYDOCKER_FAULT: 'network:after-bridge' } });
      expect(r.code).toBe(137);
      expect(linkExists(net)).toBe(true);
    };

    it('leaves a record that ls shows, run refuses, and a re-create replaces', async () => {
      await killedCreate();
      expect(await sandbox.ok(['network', 'ls', '--format', '{{.Name}}', '--filter', 'type=custom'])).toBe(`${net}\n`);
      const run = await sandbox.run(['run', '--rm', '--net', net, 'busybox', 'true']);
      expect(run.code).toBe(125);
      expect(run.stderr).toMatch(/is not ready: its `network create` is still running or was interrupted/);
      oneSentence(run.stderr);
      await sandbox.ok(['network', 'create', '--subnet', subnets[4], net]);
      expect(await sandbox.ok(['run', '--rm', '--net', net, 'busybox', 'cat', '/sys/class/net/eth0/operstate'])).toBe('up\n');
      await sandbox.ok(['network', 'rm', net]);
      expect(linkExists(net)).toBe(false);
    });

    it('network rm removes what it left', async () => {
      await killedCreate();
      expect(await sandbox.ok(['network', 'rm', net])).toBe(`${net}\n`);
      expect(linkExists(net)).toBe(false);
      expect(iptablesSave()).not.toContain(`MYDOCKER-${rootHash}`);
    });

    it('system prune removes it, and also a bridge whose record is gone altogether', async () => {
      await killedCreate();
      expect(await sandbox.ok(['system', 'prune'])).toContain(`network ${net} (left half-made by an interrupted create)`);
      expect(linkExists(net)).toBe(false);

      // A bridge with no record at all (what the old create left when killed): found by its alias.
      await killedCreate();
      rmSync(join(networksDir, `${net}.json`));
      const blocked = await sandbox.run(['network', 'create', '--subnet', subnets[4], net]);
      expect(blocked.code).toBe(125);
      expect(blocked.stderr).toMatch(/overlaps bridge .* which an interrupted mydocker command left behind: run `mydocker system prune`/);
      oneSentence(blocked.stderr);
      const prune = await sandbox.ok(['system', 'prune']);
      expect(prune).toContain(`bridge ${net} of network ${net}, which has no record`);
      expect(linkExists(net)).toBe(false);
      expect(iptablesSave()).not.toContain(`MYDOCKER-${rootHash}`);
      await sandbox.ok(['network', 'create', '--subnet', subnets[4], net]);
      await sandbox.ok(['network', 'rm', net]);
    });
  });

  describe('a container record without its network part', () => {
    const net = `${prefix}r`;
    beforeAll(() => sandbox.ok(['network', 'create', '--subnet', subnets[5], net]));
    afterAll(() => sandbox.ok(['network', 'rm', net]));

    it('rm -f finds its veth, rules, address and port from the id alone', async () => {
      const port = randomPort();
      await sandbox.ok(['run', '-d', '--name', 'lost', '--net', net, '-p', `${port}:80`, 'busybox', 'sleep', '1000']);
      const record = await inspect('lost');
      const { hostVeth, ip } = record.ext.network;
      // What a damaged record gives the hooks: the id, and no ext.
      const file = join(sandbox.root, 'containers', record.id, 'config.json');
      const stored = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...stored, ext: { ...stored.ext, network: undefined } }));
      const rm = await sandbox.run(['rm', '-f', 'lost']);
      expect(rm).toMatchObject({ code: 0, stderr: '' });
      expect(linkExists(hostVeth)).toBe(false);
      expect(iptablesSave()).not.toContain(`mydocker:${record.id.slice(0, 12)}`);
      const ipam = JSON.parse(readFileSync(join(networksDir, 'ipam.json'), 'utf8'));
      expect(ipam.allocations[net]?.[ip]).toBeUndefined();
      expect(Object.keys(ipam.ports)).toEqual([]);
      expect(bridgePorts(net)).toBe('');
    });
  });
});
