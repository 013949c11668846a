import { createHash } from 'node:crypto';
import { host, hostHasIpv6, httpGet, Sandbox, waitFor } from './harness';

/** A 10.231.x.0/24 (or smaller) that no host route touches, so these tests never shadow one. */
function freeSubnets(count: number, prefix = 24): string[] {
  const routes = host('ip', ['-4', '-o', 'route', 'show', 'table', 'all']).stdout;
  const out: string[] = [];
  for (let x = 100 + Math.floor(Math.random() * 100); out.length < count && x < 255; x++) {
    if (!routes.includes(`10.231.${x}.`)) out.push(`10.231.${x}.0/${prefix}`);
  }
  return out;
}

const iptablesSave = () => host('iptables-save', []).stdout;
const linkExists = (name: string) => host('ip', ['link', 'show', 'dev', name]).code === 0;
const bridgePorts = (bridge: string) => host('ip', ['-o', 'link', 'show', 'master', bridge]).stdout.trim();

describe('bridge networks', () => {
  const sandbox = new Sandbox('net');
  const rootHash = createHash('sha256').update(sandbox.root).digest('hex').slice(0, 8);
  const [subnetA, subnetB, subnetSmall, subnetC, subnetD] = freeSubnets(5);
  const net = `nt${sandbox.tag}`.toLowerCase();
  const port = 20000 + Math.floor(Math.random() * 20000);

  const inspect = async (name: string) => JSON.parse(await sandbox.ok(['container-record', name]))[0];
  const networkInspect = async (name: string) => JSON.parse(await sandbox.ok(['network', 'inspect', name]))[0];

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
    expect(iptablesSave()).not.toContain(`MYDOCKER-${rootHash}`);
    expect(linkExists(net)).toBe(false);
  });

  it('creates a network with a bridge and refuses names in use and overlapping subnets', async () => {
    const id = (await sandbox.ok(['network', 'create', '--driver', 'bridge', '--subnet', subnetA.replace('.0/', '.1/'), net])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    // Docker's pre-defined host and none are always listed too.
    expect(await sandbox.ok(['network', 'ls', '--format', '{{.Name}}'])).toBe(`host\nnone\n${net}\n`);
    const ls = await sandbox.ok(['network', 'list']);
    // Docker's columns (issue 15); the subnet is in inspect.
    expect(ls).toMatch(/^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE\n/);
    expect(ls).toContain(id.slice(0, 12));
    expect(await sandbox.ok(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', net])).toBe(`${subnetA}\n`);
    const gateway = subnetA.replace('.0/24', '.1');
    expect(host('ip', ['-4', '-o', 'addr', 'show', 'dev', net]).stdout).toContain(`${gateway}/24`);
    expect(iptablesSave()).toContain(`mydocker:net:${net}`);

    for (const [args, message] of [
      [['network', 'create', '--subnet', subnetB, net], /already exists/],
      [['network', 'create', '--subnet', subnetA.replace('/24', '/25'), `${net}x`], /overlaps/],
      [['network', 'create', '--subnet', 'nonsense', `${net}y`], /Invalid subnet/],
      [['network', 'create', '--subnet', subnetB, 'bad/name'], /Invalid network name/],
    ] as Array<[string[], RegExp]>) {
      const r = await sandbox.run(args);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await sandbox.ok(['network', 'ls', '--format', '{{.Name}}'])).toBe(`host\nnone\n${net}\n`);
  });

  it('connects containers to each other, to the host and through -p on 127.0.0.1, then leaves nothing', async () => {
    await sandbox.ok(['run', '-d', '--name', 'a', '-net', net, 'busybox', 'sleep', '1000']);
    await sandbox.ok([
      'run',
      '-d',
      '--name',
      'web',
      '--network',
      net,
      '-p',
      `${port}:80`,
      'busybox',
      'sh',
      '-c',
      'mkdir -p /tmp/www && echo hello-from-web > /tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www',
    ]);
    const a = (await inspect('a')).ext.network;
    const web = (await inspect('web')).ext.network;
    expect(a).toMatchObject({ mode: 'bridge', network: net, gateway: subnetA.replace('.0/24', '.1') });
    expect(a.ip).not.toBe(web.ip);
    const v6 = hostHasIpv6() ? [{ protocol: 'tcp', hostIp: '::', hostPort: port, containerPort: 80, implicit: true }] : [];
    expect(web.ports).toEqual([{ protocol: 'tcp', hostIp: '', hostPort: port, containerPort: 80 }, ...v6]);
    expect(bridgePorts(net)).toContain(a.hostVeth);

    // container to container, by address
    const ping = await sandbox.run(['run', '--rm', '--net', net, 'busybox', 'ping', '-c', '1', '-W', '3', a.ip]);
    expect(ping.stdout).toContain('1 packets received');
    expect(ping.code).toBe(0);
    // the host to the containers
    for (const ip of [a.ip, web.ip]) expect(host('busybox', ['ping', '-c', '1', '-W', '3', ip]).code).toBe(0);
    // /etc/hosts names the container by its host name (Docker's default: the short id)
    const [hostname, ...hostsLines] = (
      await sandbox.ok(['run', '--rm', '--net', net, '--name', 'peek', 'busybox', 'sh', '-c', 'hostname; cat /etc/hosts'])
    ).split('\n');
    expect(hostname).toMatch(/^[0-9a-f]{12}$/);
    expect(hostsLines.join('\n')).toMatch(new RegExp(`${subnetA.replace('.0/24', '').replace(/\./g, '\\.')}\\.\\d+\\s+${hostname}`));

    // the published port from the host's 127.0.0.1
    const got = await waitFor(
      () => httpGet(`http://127.0.0.1:${port}/`),
      (s) => s.includes('hello'),
      10_000,
    );
    expect(got).toBe('hello-from-web\n');

    // a host port already published is refused before anything is made
    const psBefore = await sandbox.ok(['ps', '-a', '-q']);
    const clash = await sandbox.run(['run', '-d', '--name', 'clash', '--net', net, '-p', `${port}:8080`, 'busybox', 'sleep', '10']);
    expect(clash.code).toBe(125);
    expect(clash.stderr).toMatch(new RegExp(`port ${port}/tcp is already published by container web`));
    expect(await sandbox.ok(['ps', '-a', '-q'])).toBe(psBefore);

    // the network cannot go while containers use it
    const busy = await sandbox.run(['network', 'rm', net]);
    expect(busy.code).toBe(125);
    expect(busy.stderr).toMatch(/has containers attached/);

    await sandbox.ok(['stop', '-t', '1', 'web']);
    expect(iptablesSave()).not.toMatch(new RegExp(`mydocker:${(await inspect('web')).id.slice(0, 12)}`));
    expect(linkExists(web.hostVeth)).toBe(false);
    expect(await httpGet(`http://127.0.0.1:${port}/`)).toBe('');
    await sandbox.ok(['rm', '-f', 'a', 'web']);
    expect(linkExists(a.hostVeth)).toBe(false);
    expect(bridgePorts(net)).toBe('');
    expect((await networkInspect(net)).Containers).toEqual({});

    expect(await sandbox.ok(['network', 'rm', net])).toBe(`${net}\n`);
    expect(linkExists(net)).toBe(false);
    expect(iptablesSave()).not.toContain(`MYDOCKER-${rootHash}`);
  });

  it('gives 20 containers started in parallel 20 distinct addresses', async () => {
    const name = `${net}p`;
    await sandbox.ok(['network', 'create', '--subnet', subnetB, name]);
    const names = Array.from({ length: 20 }, (_, i) => `par${i}`);
    await Promise.all(names.map((n) => sandbox.ok(['run', '-d', '--name', n, '--net', name, 'busybox', 'sleep', '1000'])));
    const ips = await Promise.all(names.map(async (n) => (await inspect(n)).ext.network.ip as string));
    expect(new Set(ips).size).toBe(20);
    const prefix = subnetB.replace('.0/24', '.');
    for (const ip of ips) {
      expect(ip.startsWith(prefix)).toBe(true);
      expect([`${prefix}0`, `${prefix}1`, `${prefix}255`]).not.toContain(ip);
    }
    expect(Object.keys((await networkInspect(name)).Containers)).toHaveLength(20);
    await sandbox.ok(['rm', '-f', ...names]);
    expect((await networkInspect(name)).Containers).toEqual({});
    expect(bridgePorts(name)).toBe('');
    await sandbox.ok(['network', 'rm', name]);
  });

  it('a /30 holds the gateway and one container, refuses the next, and frees the address on rm', async () => {
    const small = subnetSmall.replace('.0/24', '.4/30');
    const name = `${net}s`;
    await sandbox.ok(['network', 'create', '--subnet', small, name]);
    await sandbox.ok(['run', '-d', '--name', 'only', '--net', name, 'busybox', 'sleep', '1000']);
    expect((await inspect('only')).ext.network.ip).toBe(small.replace('.4/30', '.6'));
    const full = await sandbox.run(['run', '-d', '--name', 'extra', '--net', name, 'busybox', 'sleep', '1000']);
    expect(full.code).toBe(125);
    expect(full.stderr).toContain(`No free address in ${small}`);
    expect((await sandbox.run(['container-record', 'extra'])).code).toBe(125);
    await sandbox.ok(['rm', '-f', 'only']);
    await sandbox.ok(['run', '-d', '--name', 'extra', '--net', name, 'busybox', 'sleep', '1000']);
    expect((await inspect('extra')).ext.network.ip).toBe(small.replace('.4/30', '.6'));
    await sandbox.ok(['rm', '-f', 'extra']);
  });

  it('connects a running container to a second network and disconnects it', async () => {
    const [one, two] = [`${net}c`, `${net}d`];
    await sandbox.ok(['network', 'create', '--subnet', subnetC, one]);
    await sandbox.ok(['network', 'create', '--subnet', subnetD, two]);
    await sandbox.ok(['run', '-d', '--name', 'multi', '--net', one, 'busybox', 'sleep', '1000']);
    await sandbox.ok(['network', 'connect', two, 'multi']);
    const [ep0, ep1] = (await inspect('multi')).ext.network.endpoints;
    expect([ep0.ifname, ep1.ifname]).toEqual(['eth0', 'eth1']);
    expect(ep1.ip).toBe(subnetD.replace('.0/24', '.2'));
    expect(host('busybox', ['ping', '-c', '1', '-W', '3', ep1.ip]).code).toBe(0);
    const again = await sandbox.run(['network', 'connect', two, 'multi']);
    expect(again.code).toBe(125);
    expect(again.stderr).toMatch(/already connected/);
    await sandbox.ok(['network', 'disconnect', two, 'multi']);
    expect(linkExists(ep1.hostVeth)).toBe(false);
    expect((await networkInspect(two)).Containers).toEqual({});
    expect((await inspect('multi')).ext.network.endpoints).toHaveLength(1);
    await sandbox.ok(['rm', '-f', 'multi']);
    await sandbox.ok(['network', 'rm', one, two]);
    expect(linkExists(one) || linkExists(two)).toBe(false);
  });

  it('--net none has loopback only and --net host shares the host namespace; -p needs a bridge', async () => {
    const none = await sandbox.ok(['run', '--rm', '--net', 'none', 'busybox', 'ip', '-o', 'link']);
    expect(none).toContain('lo:');
    expect(none).not.toMatch(/eth0/);
    const hostLinks = await sandbox.ok(['run', '--rm', '--net', 'host', 'busybox', 'ip', '-o', 'link']);
    expect(hostLinks).toContain('eth0');
    const r = await sandbox.run(['run', '--rm', '--net', 'none', '-p', '8080:80', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/needs a bridge network/);
    const missing = await sandbox.run(['run', '--rm', '--net', 'nosuchnet', 'busybox', 'true']);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toMatch(/Network nosuchnet not found/);
  });
});
