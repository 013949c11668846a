import { emptyIpam } from '../ipam';
import { addHosts, hostsFile, PEERS_MARKER, resolvConf, withPeers } from '../etc-files';
import { peerLines } from '../name-resolution';

describe('/etc/hosts', () => {
  it('puts --add-host lines before the own name; host-gateway is the gateway', () => {
    const extra = addHosts(['db:10.0.0.5', 'host.docker.internal:host-gateway', 'v6:fd00::1'], '172.17.0.1');
    expect(extra).toEqual([
      ['db', '10.0.0.5'],
      ['host.docker.internal', '172.17.0.1'],
      ['v6', 'fd00::1'],
    ]);
    expect(hostsFile('web', '172.17.0.2', extra).split('\n').slice(-5)).toEqual([
      '10.0.0.5\tdb',
      '172.17.0.1\thost.docker.internal',
      'fd00::1\tv6',
      '172.17.0.2\tweb',
      '',
    ]);
  });

  it.each(['db', 'db:', ':1.2.3.4', 'db:nonsense', 'a b:1.2.3.4'])('refuses --add-host %s', (spec) => {
    expect(() => addHosts([spec], '10.0.0.1')).toThrow(/Invalid --add-host/);
  });

  it('host-gateway needs a network with a gateway', () => {
    expect(() => addHosts(['h:host-gateway'], undefined)).toThrow(/host-gateway needs a bridge network/);
  });

  it('lists the peers below the marker and replaces the list, keeping the own part', () => {
    const own = hostsFile('a', '10.1.0.2');
    const once = withPeers(own, ['10.1.0.3\tb']);
    expect(once).toBe(`${own}${PEERS_MARKER}\n10.1.0.3\tb\n`);
    expect(withPeers(once, ['10.1.0.4\tc'])).toBe(`${own}${PEERS_MARKER}\n10.1.0.4\tc\n`);
    expect(withPeers(once, [])).toBe(own);
  });

  it('peers are the other containers of the user networks the container is on, with aliases and short ids', () => {
    const state = emptyIpam();
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const c = 'c'.repeat(64);
    state.allocations.front = {
      '10.1.0.2': { containerId: a, containerName: 'a', hostVeth: 'v1' },
      '10.1.0.3': { containerId: b, containerName: 'b', hostVeth: 'v2', aliases: ['api'] },
    };
    state.allocations.back = { '10.2.0.2': { containerId: c, containerName: 'c', hostVeth: 'v3' } };
    state.allocations.bridge = {
      '172.17.0.2': { containerId: a, containerName: 'a', hostVeth: 'v4' },
      '172.17.0.3': { containerId: c, containerName: 'c', hostVeth: 'v5' },
    };
    const user = new Set(['front', 'back']);
    expect(peerLines(state, a, user)).toEqual([`10.1.0.3\tb api ${b.slice(0, 12)}`]);
    expect(peerLines(state, c, user)).toEqual([]);
  });
});

describe('/etc/resolv.conf', () => {
  const host = 'nameserver 127.0.0.53\nsearch corp.example\noptions edns0\n';
  it('drops loopback servers (public fallback) and keeps the host file for --net host', () => {
    expect(resolvConf(host, true)).toBe('search corp.example\noptions edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    expect(resolvConf(host, false)).toBe(host);
  });

  it('--dns, --dns-search and --dns-option replace the host values', () => {
    expect(resolvConf(host, true, { dns: ['10.0.0.53'], dnsSearch: ['a.example', 'b.example'], dnsOptions: ['ndots:2'] })).toBe(
      'nameserver 10.0.0.53\nsearch a.example b.example\noptions ndots:2\n',
    );
    expect(() => resolvConf(host, true, { dns: ['not-an-ip'] })).toThrow(/Invalid --dns/);
  });
});
