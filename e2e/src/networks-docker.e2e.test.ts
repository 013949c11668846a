import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { host, hostHasIpv6, httpGet, Sandbox, waitFor } from './harness';

/**
 * Networks as a Docker user expects them (issue 18): the default `bridge` network, names and aliases on
 * user-defined networks, chosen host ports, ranges, udp, a busy port refused, hairpin, /etc files from
 * --add-host/--dns*, --ip/--mac-address/--ip-range/--gateway/--opt/--internal, connect --alias --ip,
 * network prune, IPv6 host addresses (userland proxy), -P with --expose, the pre-defined host and none
 * networks, and nothing left behind. Traffic goes only to 127.0.0.1 and to addresses inside the
 * networks this file creates.
 */

/** /24s of 10.231.x that no host route touches. */
function freeSubnets(count: number): string[] {
  const routes = host('ip', ['-4', '-o', 'route', 'show', 'table', 'all']).stdout;
  const out: string[] = [];
  for (let x = 20 + Math.floor(Math.random() * 70); out.length < count && x < 255; x++) {
    if (!routes.includes(`10.231.${x}.`)) out.push(`10.231.${x}.0/24`);
  }
  return out;
}

const HTTPD = 'mkdir -p /w && echo hello-from-$(hostname) > /w/index.html && exec httpd -f -p 80 -h /w';
const GET = (target: string) => `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${target} | tail -n 1`;

describe('networks as Docker users expect them', () => {
  const sandbox = new Sandbox('netd');
  const rootHash = createHash('sha256').update(sandbox.root).digest('hex').slice(0, 8);
  const [subnetA, subnetB, subnetC] = freeSubnets(3);
  const front = `fr${sandbox.tag}`.toLowerCase();
  const back = `bk${sandbox.tag}`.toLowerCase();
  const brName = `mdt${sandbox.tag}`.toLowerCase().slice(0, 15);
  const gatewayA = subnetA.replace('.0/24', '.1');

  const inspect = async (name: string) => JSON.parse(await sandbox.ok(['inspect', name]))[0];
  const hostsOf = (name: string) => sandbox.ok(['exec', name, 'cat', '/etc/hosts']);
  const ourVeths = () =>
    host('ip', ['-o', 'link', 'show'])
      .stdout.split('\n')
      .filter((l) => l.includes(`mydocker:${rootHash}:ctr:`));

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
    expect(host('iptables-save', []).stdout).not.toContain(`MYDOCKER-${rootHash}`);
    expect(host('ip', ['-o', 'link', 'show']).stdout).not.toContain(`mydocker:${rootHash}:`);
  });

  it('runs without --net on the default bridge network, made on first use, which `network rm` refuses', async () => {
    const out = await sandbox.ok(['run', '--rm', 'busybox', 'sh', '-c', 'ip -4 -o addr show eth0; ip route']);
    const net = JSON.parse(await sandbox.ok(['network', 'inspect', 'bridge']))[0];
    const subnet = net.IPAM.Config[0].Subnet as string;
    expect(out).toMatch(new RegExp(`inet ${subnet.split('.').slice(0, 2).join('\\.')}\\.`));
    expect(out).toContain(`default via ${net.IPAM.Config[0].Gateway}`);
    expect(await sandbox.ok(['network', 'ls', '--filter', 'type=builtin', '--format', '{{.Name}} {{.Driver}} {{.Scope}}'])).toBe(
      'bridge bridge local\nhost host local\nnone null local\n',
    );
    for (const name of ['bridge', 'host', 'none']) {
      const rm = await sandbox.run(['network', 'rm', name]);
      expect(rm.code).toBe(125);
      expect(rm.stderr.trim()).toBe(`Error: ${name} is a pre-defined network and cannot be removed.`);
    }
    const [hostNet, noneNet] = JSON.parse(await sandbox.ok(['network', 'inspect', 'host', 'none']));
    expect(hostNet).toMatchObject({ Name: 'host', Driver: 'host', Scope: 'local', IPAM: { Config: [] }, Containers: {} });
    expect(noneNet).toMatchObject({ Name: 'none', Driver: 'null', Scope: 'local' });
    expect(hostNet.Id).toMatch(/^[0-9a-f]{64}$/);
    // --net host keeps sharing the host's network namespace.
    const hostNs = host('readlink', ['/proc/self/ns/net']).stdout.trim();
    expect((await sandbox.ok(['run', '--rm', '--net', 'host', 'busybox', 'readlink', '/proc/self/ns/net'])).trim()).toBe(hostNs);
    // --net none keeps meaning loopback only.
    expect((await sandbox.ok(['run', '--rm', '--net', 'none', 'busybox', 'ip', '-o', 'link'])).trim().split('\n')).toHaveLength(1);
    // Docker's default network has no name resolution: a container there is not listed to others.
    await sandbox.ok(['run', '-d', '--name', 'dflt', 'busybox', 'sleep', '1000']);
    expect(await sandbox.ok(['run', '--rm', 'busybox', 'cat', '/etc/hosts'])).not.toContain('dflt');
    await sandbox.ok(['rm', '-f', 'dflt']);
    // A reboot takes the bridge and its rules away but not the record: the next run makes them again.
    expect(host('ip', ['link', 'del', net.Options['com.docker.network.bridge.name']]).code).toBe(0);
    const again = await sandbox.ok(['run', '--rm', 'busybox', 'ip', '-4', '-o', 'addr', 'show', 'eth0']);
    expect(again).toMatch(new RegExp(`inet ${subnet.split('.').slice(0, 2).join('\\.')}\\.`));
  });

  it('finds containers by name and alias on one user network, not across networks, and keeps the lists current', async () => {
    await sandbox.ok(['network', 'create', '--subnet', subnetA, front]);
    await sandbox.ok(['network', 'create', '--subnet', subnetB, back]);
    await sandbox.ok(['run', '-d', '--name', 'srv', '--hostname', 'srv', '--net', front, '--network-alias', 'api', '-p', '80', 'busybox', 'sh', '-c', HTTPD]);
    const byName = await sandbox.ok(['run', '--rm', '--net', front, 'busybox', 'sh', '-c', `${GET('srv 80')}; ${GET('api 80')}`]);
    expect(byName).toBe('hello-from-srv\nhello-from-srv\n');
    const across = await sandbox.run(['run', '--rm', '--net', back, 'busybox', 'ping', '-c', '1', '-W', '1', 'srv']);
    expect(across.code).not.toBe(0);
    expect(across.stderr).toMatch(/bad address 'srv'/);

    // A peer that joins shows up in srv's /etc/hosts, and goes when it is removed.
    await sandbox.ok(['run', '-d', '--name', 'peer', '--net', front, 'busybox', 'sleep', '1000']);
    const peerIp = (await inspect('peer')).NetworkSettings.Networks[front].IPAddress;
    expect(await hostsOf('srv')).toMatch(new RegExp(`^${peerIp.replace(/\./g, '\\.')}\\tpeer [0-9a-f]{12}$`, 'm'));
    expect(await hostsOf('peer')).toMatch(/\tsrv api [0-9a-f]{12}$/m);
    await sandbox.ok(['rm', '-f', 'peer']);
    expect(await hostsOf('srv')).not.toContain('peer');
  });

  it('-p 80 picks a free host port reachable from 127.0.0.1, and the container reaches it through the host address (hairpin)', async () => {
    const lines = (await sandbox.ok(['port', 'srv'])).trim().split('\n');
    const m = /^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(lines[0]);
    expect(m).not.toBeNull();
    const port = Number(m![1]);
    expect(port).toBeGreaterThan(1023);
    // As Docker's: the same port on [::] too where the host has IPv6, served through the userland proxy.
    expect(lines).toEqual(hostHasIpv6() ? [lines[0], `80/tcp -> [::]:${port}`] : [lines[0]]);
    expect(await httpGet(`http://127.0.0.1:${port}/`)).toBe('hello-from-srv\n');
    if (hostHasIpv6()) expect(await httpGet(`http://[::1]:${port}/`)).toBe('hello-from-srv\n');
    expect(await sandbox.ok(['exec', 'srv', 'sh', '-c', GET(`${gatewayA} ${port}`)])).toBe('hello-from-srv\n');
  });

  it('refuses a host port in use (by a host program or another container): exit 125, one line, nothing left', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const taken = (server.address() as { port: number }).port;
    try {
      const r = await sandbox.run(['run', '-d', '--name', 'clash', '--net', front, '-p', `${taken}:80`, 'busybox', 'sleep', '100']);
      expect(r.code).toBe(125);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/address already in use/);
    } finally {
      server.close();
    }
    const used = Number(/:(\d+)$/.exec((await sandbox.ok(['port', 'srv', '80'])).trim())![1]);
    const again = await sandbox.run(['run', '-d', '--name', 'clash', '-p', `${used}:80`, 'busybox', 'sleep', '100']);
    expect(again.code).toBe(125);
    expect(again.stderr).toMatch(/already published by container srv/);
    expect(await sandbox.ok(['ps', '-a', '--format', '{{.Names}}'])).not.toContain('clash');
    expect(host('iptables-save', []).stdout).not.toContain(':clash');
  });

  it('publishes ranges, udp and IP::PORT, and lists them with `port`', async () => {
    const base = 20000 + Math.floor(Math.random() * 20000);
    await sandbox.ok([
      'run',
      '-d',
      '--name',
      'multi',
      '--net',
      front,
      '-p',
      `${base}-${base + 1}:7000-7001`,
      '-p',
      '127.0.0.1::53/udp',
      '-p',
      `${base + 5}-${base + 9}:9000`,
      'busybox',
      'sleep',
      '1000',
    ]);
    const lines = (await sandbox.ok(['port', 'multi'])).trim().split('\n');
    expect(lines[0]).toMatch(/^53\/udp -> 127\.0\.0\.1:\d+$/);
    const v4 = lines.slice(1).filter((l) => !l.includes('[::]'));
    expect(v4).toEqual([`7000/tcp -> 0.0.0.0:${base}`, `7001/tcp -> 0.0.0.0:${base + 1}`, `9000/tcp -> 0.0.0.0:${base + 5}`]);
    // The udp port names 127.0.0.1, so only the tcp ports have a [::] side.
    expect(lines.filter((l) => l.includes('[::]'))).toEqual(hostHasIpv6() ? v4.map((l) => l.replace('0.0.0.0', '[::]')) : []);
    // The udp rule is there, for the chosen port.
    const udpPort = /:(\d+)$/.exec(lines[0])![1];
    expect(host('iptables-save', ['-t', 'nat']).stdout).toMatch(
      new RegExp(`-d 127\\.0\\.0\\.1/32 -p udp -m udp --dport ${udpPort} .*mydocker:[0-9a-f]{12}:multi`),
    );
    await sandbox.ok(['rm', '-f', 'multi']);
    expect(host('iptables-save', []).stdout).not.toContain(':multi');
  });

  it('publishes on IPv6 host addresses through a proxy that ends with the container; -P with --expose; refuses an address the host lacks', async () => {
    // The proxy's command line names its container's directory.
    let six = '';
    const proxies = () =>
      host('ps', ['-eo', 'pid,args'])
        .stdout.split('\n')
        .filter((l) => l.includes('proxy-main.js') && l.includes(`${sandbox.root}/containers/${six}`));
    const base = 20000 + Math.floor(Math.random() * 20000);
    const twoPorts = 'mkdir -p /w && echo hello-from-$(hostname) > /w/index.html && httpd -p 81 -h /w && exec httpd -f -p 80 -h /w';
    await sandbox.ok([
      'run',
      '-d',
      '--name',
      'six',
      '--hostname',
      'six',
      '--net',
      front,
      '-p',
      `[::1]:${base}:80`,
      '-p',
      `[::]:${base + 1}:80`,
      '-p',
      `[::1]:${base + 2}:53/udp`,
      '--expose',
      '81',
      '-P',
      'busybox',
      'sh',
      '-c',
      twoPorts,
    ]);
    const sixView = await inspect('six');
    six = sixView.Id;
    // Docker's Config.ExposedPorts: the --expose port beside the published one.
    expect(Object.keys(sixView.Config.ExposedPorts ?? {}).sort()).toEqual(['53/udp', '80/tcp', '81/tcp']);
    const all = (await sandbox.ok(['port', 'six'])).trim().split('\n');
    // UDP on IPv6 goes through the same proxy (userland-proxy.e2e shows datagrams relayed).
    expect(all).toContain(`53/udp -> [::1]:${base + 2}`);
    const lines = all.filter((l) => !l.startsWith('53/udp'));
    expect(lines.slice(0, 3)).toEqual([`80/tcp -> [::1]:${base}`, `80/tcp -> [::]:${base + 1}`, expect.stringMatching(/^81\/tcp -> 0\.0\.0\.0:\d+$/)]);
    const chosen = Number(/:(\d+)$/.exec(lines[2])![1]);
    expect(lines.slice(3)).toEqual(hostHasIpv6() ? [`81/tcp -> [::]:${chosen}`] : []);
    const get = (url: string) =>
      waitFor(
        () => httpGet(url),
        (b) => b !== '',
        15_000,
      );
    expect(await get(`http://[::1]:${base}/`)).toBe('hello-from-six\n');
    expect(await get(`http://[::1]:${base + 1}/`)).toBe('hello-from-six\n');
    // -P: the --expose port on a chosen host port, reached through 127.0.0.1 (DNAT) and ::1 (proxy).
    expect(await get(`http://127.0.0.1:${chosen}/`)).toBe('hello-from-six\n');
    if (hostHasIpv6()) expect(await get(`http://[::1]:${chosen}/`)).toBe('hello-from-six\n');
    // One proxy process for the container; no ip6tables rule (nothing translates IPv6 in the kernel).
    expect(proxies()).toHaveLength(1);
    expect(host('ip6tables-save', []).stdout).not.toMatch(/mydocker/i);
    await sandbox.ok(['rm', '-f', 'six']);
    expect(await waitFor(proxies, (p) => p.length === 0, 10_000)).toEqual([]);
    expect(await httpGet(`http://[::1]:${base}/`)).toBe('');
    // An IPv6 address this host does not have: one sentence, exit 125, nothing made.
    const bad = await sandbox.run(['run', '-d', '--name', 'nosix', '--net', front, '-p', `[2001:db8::5]:${base}:80`, 'busybox', 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr.trim()).toBe(`Error: Host port [2001:db8::5]:${base}/tcp cannot be published: 2001:db8::5 is not an address of this host.`);
    expect(await sandbox.ok(['ps', '-a', '--format', '{{.Names}}'])).not.toContain('nosix');
  });

  it('--add-host (host-gateway), --dns*, --ip, --mac-address; a network with --ip-range, --gateway, a bridge name and --internal', async () => {
    const gatewayC = subnetC.replace('.0/24', '.254');
    await sandbox.ok([
      'network',
      'create',
      '--subnet',
      subnetC,
      '--ip-range',
      subnetC.replace('.0/24', '.128/25'),
      '--gateway',
      gatewayC,
      '--opt',
      `com.docker.network.bridge.name=${brName}`,
      '--internal',
      'inner',
    ]);
    expect(host('ip', ['-4', '-o', 'addr', 'show', 'dev', brName]).stdout).toContain(`${gatewayC}/24`);
    const ip = subnetC.replace('.0/24', '.7');
    const out = await sandbox.ok([
      'run',
      '--rm',
      '--net',
      'inner',
      '--ip',
      ip,
      '--mac-address',
      '02:42:de:ad:be:ef',
      '--add-host',
      'gw:host-gateway',
      '--add-host',
      'db:10.9.9.9',
      '--dns',
      '10.53.0.1',
      '--dns-search',
      'corp.example',
      '--dns-option',
      'ndots:2',
      'busybox',
      'sh',
      '-c',
      'ip -o addr show eth0; ip -o link show eth0; ip route; cat /etc/hosts /etc/resolv.conf',
    ]);
    expect(out).toContain(`inet ${ip}/24`);
    expect(out).toContain('link/ether 02:42:de:ad:be:ef');
    expect(out).not.toContain('default via'); // internal: no route out
    expect(out).toContain(`${gatewayC}\tgw`);
    expect(out).toContain('10.9.9.9\tdb');
    expect(out).toContain('nameserver 10.53.0.1\nsearch corp.example\noptions ndots:2\n');
    expect(host('iptables-save', ['-t', 'filter']).stdout).toMatch(new RegExp(`-o ${brName} -m comment --comment "?mydocker:net:inner"? -j DROP`));
    // Automatic addresses come from the range.
    await sandbox.ok(['run', '-d', '--name', 'ranged', '--net', 'inner', 'busybox', 'sleep', '1000']);
    expect((await inspect('ranged')).NetworkSettings.Networks.inner.IPAddress).toBe(subnetC.replace('.0/24', '.128'));
    const bad = await sandbox.run(['run', '--rm', '--ip', '172.17.0.99', 'busybox', 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/--ip works on user-defined networks only/);
  });

  it('network connect --alias --ip gives a running container a name on another network; prune removes unused networks only', async () => {
    const ip = subnetB.replace('.0/24', '.50');
    await sandbox.ok(['network', 'connect', '--alias', 'web', '--ip', ip, back, 'srv']);
    expect(await sandbox.ok(['run', '--rm', '--net', back, 'busybox', 'sh', '-c', GET('web 80')])).toBe('hello-from-srv\n');
    expect(JSON.parse(await sandbox.ok(['network', 'inspect', back]))[0].Containers[(await inspect('srv')).Id]).toMatchObject({
      Name: 'srv',
      IPv4Address: `${ip}/24`,
      Aliases: ['web'],
    });
    await sandbox.ok(['rm', '-f', 'ranged']);
    const pruned = await sandbox.ok(['network', 'prune', '-f']);
    expect(pruned).toBe('Deleted Networks:\ninner\n');
    expect(host('ip', ['link', 'show', 'dev', brName]).code).not.toBe(0);
    expect((await sandbox.ok(['network', 'ls', '--format', '{{.Name}}'])).split('\n').filter(Boolean).sort()).toEqual(
      [back, 'bridge', front, 'host', 'none'].sort(),
    );
  });

  it('leaves nothing after rm -f: veths, rules, addresses', async () => {
    await sandbox.ok(['rm', '-f', 'srv']);
    expect(ourVeths()).toEqual([]);
    const rules = host('iptables-save', [])
      .stdout.split('\n')
      .filter((l) => l.includes(`MYDOCKER-${rootHash}`) && /mydocker:[0-9a-f]{12}:/.test(l));
    expect(rules).toEqual([]);
    const net = JSON.parse(await sandbox.ok(['network', 'inspect', front, back, 'bridge']));
    for (const n of net) expect(n.Containers).toEqual({});
    expect(
      await waitFor(
        () => sandbox.ok(['ps', '-a', '-q']),
        (s) => s === '',
      ),
    ).toBe('');
  });
});
