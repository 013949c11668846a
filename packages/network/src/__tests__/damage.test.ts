import { emptyRunSpec, type ContainerRecord } from '@mydocker/core';
import { ipamProblem, networkProblem } from '../file-checks';
import { networkExtOf } from '../lifecycle';
import { bridgeAlias, parseAlias, vethAlias } from '../names';
import { ipamFromRecords } from '../prune';

const good = {
  id: 'a'.repeat(64),
  name: 'web',
  driver: 'bridge',
  subnet: '10.231.1.0/24',
  gateway: '10.231.1.1',
  bridge: 'web',
  createdAt: '2026-01-01T00:00:00Z',
};

describe('network file checks', () => {
  it('accepts a good record, and one left "creating"', () => {
    expect(networkProblem(JSON.stringify(good), 'web')).toBeUndefined();
    expect(networkProblem(JSON.stringify({ ...good, state: 'creating' }), 'web')).toBeUndefined();
  });

  it.each([
    ['', 'it is empty'],
    ['{"id": "aaa', 'it is not valid JSON'],
    ['[1, 2]', 'it holds no network record'],
    ['null', 'it holds no network record'],
    [JSON.stringify({ ...good, name: 'other' }), 'its name is "other", not "web"'],
    [JSON.stringify({ ...good, subnet: 42 }), 'its subnet is missing or malformed'],
    [JSON.stringify({ ...good, gateway: '10.1.1' }), 'its gateway is missing or malformed'],
    [JSON.stringify({ ...good, bridge: 'a bridge name too long' }), 'its bridge name is missing or malformed'],
    [JSON.stringify({ ...good, driver: 'macvlan' }), 'its driver is not "bridge"'],
    [JSON.stringify({ ...good, state: 'half' }), 'its state is unknown'],
  ])('refuses %j: %s', (text, reason) => {
    expect(networkProblem(text, 'web')).toBe(reason);
  });
});

describe('IPAM file checks', () => {
  it('accepts the empty table and a real one', () => {
    expect(ipamProblem('{}')).toBeUndefined();
    expect(
      ipamProblem(
        JSON.stringify({
          allocations: { web: { '10.1.1.2': { containerId: 'abc', containerName: 'x', hostVeth: 'vethabc' } } },
          ports: { 'tcp/0.0.0.0:80': { containerId: 'abc', containerName: 'x' } },
        }),
      ),
    ).toBeUndefined();
  });

  it.each([
    ['', 'it is empty'],
    ['{"allocations": {', 'it is not valid JSON'],
    ['"text"', 'it holds no address table'],
    ['{"allocations": []}', 'its allocations have the wrong type'],
    ['{"allocations": {"web": {"10.1.1.2": {"containerId": 7}}}}', 'an address allocation has the wrong type'],
    ['{"allocations": {"web": {"not-an-ip": {"containerId": "a", "containerName": "", "hostVeth": "v"}}}}', 'an address allocation has the wrong type'],
    ['{"ports": "none"}', 'its port reservations have the wrong type'],
    ['{"ports": {"80": {"containerId": "a", "containerName": "x"}}}', 'a port reservation has the wrong type'],
  ])('refuses %j: %s', (text, reason) => {
    expect(ipamProblem(text)).toBe(reason);
  });
});

describe('interface aliases', () => {
  const id = 'b'.repeat(64);
  it('name the root and the owner, and are read back only for that root', () => {
    expect(parseAlias('12345678', bridgeAlias('12345678', 'my-net'))).toEqual({ kind: 'net', network: 'my-net' });
    expect(parseAlias('12345678', vethAlias('12345678', id))).toEqual({ kind: 'ctr', id });
    expect(parseAlias('87654321', vethAlias('12345678', id))).toBeUndefined();
    expect(parseAlias('12345678', 'mydocker:12345678:ctr:short')).toBeUndefined();
    expect(parseAlias('12345678', '')).toBeUndefined();
  });
});

function record(id: string, status: ContainerRecord['status'], ext: Record<string, unknown>): ContainerRecord {
  return {
    id,
    name: `c-${id.slice(0, 3)}`,
    image: 'busybox',
    command: [],
    createdAt: '',
    status,
    env: [],
    hostname: '',
    workdir: '/',
    tty: false,
    detach: true,
    autoRemove: false,
    spec: emptyRunSpec(),
    ext,
  };
}

describe('the address table rebuilt from records', () => {
  const endpoint = (ip: string, veth: string) => ({
    network: 'web',
    networkId: 'x',
    bridge: 'web',
    ip,
    prefixLength: 24,
    gateway: '10.1.1.1',
    mac: '',
    hostVeth: veth,
    ifname: 'eth0',
  });

  it('takes addresses and ports of live bridged containers, skips stopped, damaged and other modes', () => {
    const records = [
      record('1'.repeat(64), 'running', {
        network: {
          mode: 'bridge',
          ports: [{ protocol: 'tcp', hostIp: '', hostPort: 8080, containerPort: 80 }],
          endpoints: [endpoint('10.1.1.2', 'veth1111111')],
        },
      }),
      record('2'.repeat(64), 'stopped', { network: { mode: 'bridge', ports: [], endpoints: [endpoint('10.1.1.3', 'veth2222222')] } }),
      record('3'.repeat(64), 'running', {}),
      record('4'.repeat(64), 'running', { network: { mode: 'none', ports: [], endpoints: [] } }),
      record('5'.repeat(64), 'running', { network: { mode: 'bridge', ports: 'x', endpoints: [] } }),
    ];
    expect(ipamFromRecords(records)).toEqual({
      allocations: { web: { '10.1.1.2': { containerId: '1'.repeat(64), containerName: 'c-111', hostVeth: 'veth1111111' } } },
      ports: { 'tcp/0.0.0.0:8080': { containerId: '1'.repeat(64), containerName: 'c-111' } },
    });
  });

  it("reads a record's network part only when it has the expected shape", () => {
    expect(networkExtOf(undefined)).toBeUndefined();
    expect(networkExtOf({ mode: 'bridge' })).toBeUndefined();
    expect(networkExtOf({ mode: 'bridge', ports: [], endpoints: [{ hostVeth: 3 }] })).toBeUndefined();
    expect(networkExtOf({ mode: 'host', ports: [], endpoints: [] })).toEqual({ mode: 'host', ports: [], endpoints: [] });
  });
});
