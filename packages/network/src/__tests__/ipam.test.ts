import { chooseGateway, macForIp, overlaps, parseSubnet } from '../cidr';
import { allocateAddress, emptyIpam, freeCount, releaseContainer } from '../ipam';
import type { NetworkConfig } from '../model';

function net(subnet: string, gateway: string, name = 'n1'): NetworkConfig {
  return { id: 'a'.repeat(64), name, driver: 'bridge', subnet, gateway, bridge: name, createdAt: '' };
}
const holder = (id: string) => ({ containerId: id, containerName: `c-${id}`, hostVeth: `veth${id}` });

describe('subnets', () => {
  it('accepts the seed spelling and canonicalises it', () => {
    const s = parseSubnet('192.168.10.1/24');
    expect(s.cidr).toBe('192.168.10.0/24');
    expect(chooseGateway(s, undefined, '192.168.10.1/24')).toBe('192.168.10.1');
    expect(chooseGateway(parseSubnet('10.0.0.0/24'), undefined, '10.0.0.0/24')).toBe('10.0.0.1');
    expect(chooseGateway(s, '192.168.10.254', '192.168.10.0/24')).toBe('192.168.10.254');
  });

  it('refuses bad input with one sentence', () => {
    expect(() => parseSubnet('192.168.10.0')).toThrow(/Invalid subnet "192.168.10.0"/);
    expect(() => parseSubnet('300.1.1.1/24')).toThrow(/Invalid subnet/);
    expect(() => parseSubnet('10.0.0.0/31')).toThrow(/between \/8 and \/30/);
    expect(() => chooseGateway(parseSubnet('10.0.0.0/24'), '10.0.1.1', '10.0.0.0/24')).toThrow(/inside 10.0.0.0\/24/);
    expect(() => chooseGateway(parseSubnet('10.0.0.0/24'), '10.0.0.255', '10.0.0.0/24')).toThrow(/Invalid gateway/);
  });

  it('detects overlaps', () => {
    expect(overlaps(parseSubnet('10.0.0.0/16'), parseSubnet('10.0.5.0/24'))).toBe(true);
    expect(overlaps(parseSubnet('10.0.0.0/24'), parseSubnet('10.0.1.0/24'))).toBe(false);
  });

  it('derives the MAC from the address', () => {
    expect(macForIp('10.231.1.2')).toBe('02:42:0a:e7:01:02');
  });
});

describe('IPAM', () => {
  it('never hands out the network, broadcast or gateway address and never the same twice', () => {
    const state = emptyIpam();
    const n = net('10.0.0.0/29', '10.0.0.1');
    const got = [1, 2, 3, 4, 5].map((i) => allocateAddress(state, n, holder(String(i))));
    expect(got).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expect(() => allocateAddress(state, n, holder('6'))).toThrow('No free address in 10.0.0.0/29 (network n1)');
  });

  it('skips a gateway in the middle of the range', () => {
    const state = emptyIpam();
    const n = net('10.0.0.0/30', '10.0.0.2');
    expect(allocateAddress(state, n, holder('a'))).toBe('10.0.0.1');
    expect(() => allocateAddress(state, n, holder('b'))).toThrow(/No free address in 10.0.0.0\/30/);
  });

  it('a /30 holds the gateway and one container; release makes room again', () => {
    const state = emptyIpam();
    const n = net('10.0.0.4/30', '10.0.0.5');
    expect(freeCount(state, n)).toBe(1);
    expect(allocateAddress(state, n, holder('a'))).toBe('10.0.0.6');
    expect(() => allocateAddress(state, n, holder('b'))).toThrow(/No free address/);
    expect(releaseContainer(state, 'a')).toEqual(['n1:10.0.0.6']);
    expect(releaseContainer(state, 'a')).toEqual([]);
    expect(allocateAddress(state, n, holder('b'))).toBe('10.0.0.6');
  });

  it('reuses the lowest released address and keeps networks apart', () => {
    const state = emptyIpam();
    const a = net('10.0.0.0/24', '10.0.0.1', 'a');
    const b = net('10.0.1.0/24', '10.0.1.1', 'b');
    allocateAddress(state, a, holder('1'));
    allocateAddress(state, a, holder('2'));
    allocateAddress(state, b, holder('2'));
    releaseContainer(state, '1');
    expect(allocateAddress(state, a, holder('3'))).toBe('10.0.0.2');
    expect(releaseContainer(state, '2', 'b')).toEqual(['b:10.0.1.2']);
    expect(Object.keys(state.allocations.a).sort()).toEqual(['10.0.0.2', '10.0.0.3']);
  });
});

describe('--ip and --ip-range', () => {
  const net = {
    id: 'n'.repeat(64),
    name: 'r',
    driver: 'bridge' as const,
    subnet: '10.9.0.0/24',
    gateway: '10.9.0.1',
    bridge: 'r',
    createdAt: '',
    ipRange: '10.9.0.128/25',
  };
  const holder = (id: string) => ({ containerId: id, containerName: id, hostVeth: `veth${id}` });
  it('automatic addresses come from the range; --ip may be anywhere in the subnet but not taken or the gateway', () => {
    const state = emptyIpam();
    expect(allocateAddress(state, net, holder('a'))).toBe('10.9.0.128');
    expect(allocateAddress(state, net, holder('b'), '10.9.0.7')).toBe('10.9.0.7');
    expect(() => allocateAddress(state, net, holder('c'), '10.9.0.7')).toThrow(/already in use by container b/);
    expect(() => allocateAddress(state, net, holder('c'), '10.9.0.1')).toThrow(/Invalid --ip/);
    expect(() => allocateAddress(state, net, holder('c'), '10.9.1.5')).toThrow(/Invalid --ip/);
    expect(() => allocateAddress(state, net, holder('c'), '10.9.0.255')).toThrow(/Invalid --ip/);
  });
});
