import { emptyIpam } from '../ipam';
import { emptyRunSpec } from '@mydocker/core';
import { exposedByFlags, findPortConflict, parsePublish, parsePublishes, portKey, publishedPorts, reservePorts } from '../ports';

describe('-p parsing', () => {
  it('reads HOST:CTR, IP:HOST:CTR and the protocol', () => {
    expect(parsePublish('8080:80')).toEqual({ protocol: 'tcp', hostIp: '', hostPort: 8080, containerPort: 80 });
    expect(parsePublish('127.0.0.1:53:5353/udp')).toEqual({ protocol: 'udp', hostIp: '127.0.0.1', hostPort: 53, containerPort: 5353 });
    expect(parsePublish('0.0.0.0:1:2/tcp').hostIp).toBe('');
  });

  it('reads CTR alone and IP::CTR (host port chosen at bind time), ranges, and a host range for one port', () => {
    expect(parsePublishes('80')).toEqual([{ protocol: 'tcp', hostIp: '', hostPort: 0, containerPort: 80 }]);
    expect(parsePublishes('127.0.0.1::53/udp')).toEqual([{ protocol: 'udp', hostIp: '127.0.0.1', hostPort: 0, containerPort: 53 }]);
    expect(parsePublishes('8000-8002:9000-9002').map((m) => `${m.hostPort}>${m.containerPort}`)).toEqual(['8000>9000', '8001>9001', '8002>9002']);
    expect(parsePublishes('7000-7001').map((m) => `${m.hostPort}>${m.containerPort}`)).toEqual(['0>7000', '0>7001']);
    expect(parsePublishes('8000-8010:80')).toEqual([{ protocol: 'tcp', hostIp: '', hostPort: 8000, hostPortEnd: 8010, containerPort: 80 }]);
  });

  it('reads IPv6 host addresses in brackets, kept without them', () => {
    expect(parsePublish('[::1]:8080:80')).toEqual({ protocol: 'tcp', hostIp: '::1', hostPort: 8080, containerPort: 80 });
    expect(parsePublish('[::]:8080:80/tcp').hostIp).toBe('::');
    expect(parsePublishes('[FD00::2]::53')).toEqual([{ protocol: 'tcp', hostIp: 'fd00::2', hostPort: 0, containerPort: 53 }]);
  });

  it('--expose: ports and ranges as ExposedPorts keys; a bad one is one sentence', () => {
    const spec = (expose: string[]) => emptyRunSpec({ flags: { network: { expose } } });
    expect(exposedByFlags(spec(['81', '7000-7001/udp']))).toEqual(['81/tcp', '7000/udp', '7001/udp']);
    expect(() => exposedByFlags(spec(['http']))).toThrow(/^Invalid --expose "http": use PORT/);
    expect(() => exposedByFlags(spec(['9-8']))).toThrow(/Invalid port range/);
  });

  it('-P adds every exposed tcp/udp port the -p list does not already publish', () => {
    const spec = emptyRunSpec({ flags: { network: { publish: ['8080:80'], 'publish-all': true } } });
    expect(publishedPorts(spec, undefined, ['80/tcp', '53/udp', '9000', '132/sctp']).map((m) => `${m.hostPort}>${m.containerPort}/${m.protocol}`)).toEqual([
      '8080>80/tcp',
      '0>53/udp',
      '0>9000/tcp',
    ]);
    expect(publishedPorts(emptyRunSpec(), undefined, ['80/tcp'])).toEqual([]);
  });

  it.each([
    '80:',
    ':80',
    'a:80',
    '0:80',
    '70000:80',
    '80:80/sctp',
    'x.y:80:80',
    '1:2:3:4',
    '9-8:80',
    '8000-8002:80-81',
    '::1:80:80',
    '[::1:80:80',
    '[::1]80:80',
    '[1.2.3.4]:80:80',
    '[::1]:80',
    '[fe80::1%eth0]:80:80',
  ])('refuses %s', (spec) => {
    expect(() => parsePublishes(spec)).toThrow(/Invalid port (mapping|range)/);
  });
});

describe('port reservations', () => {
  const holder = { containerId: 'c1', containerName: 'web' };
  it('finds clashes with live holders only, wildcard against specific addresses', () => {
    const state = emptyIpam();
    reservePorts(state, [parsePublish('127.0.0.1:8080:80')], holder);
    expect(Object.keys(state.ports)).toEqual(['tcp/127.0.0.1:8080']);
    expect(findPortConflict(state, [parsePublish('8080:80')], () => true)?.holder).toEqual(holder);
    expect(findPortConflict(state, [parsePublish('8080:80')], () => false)).toBeUndefined();
    expect(findPortConflict(state, [parsePublish('10.0.0.1:8080:80')], () => true)).toBeUndefined();
    expect(findPortConflict(state, [parsePublish('8080:80/udp')], () => true)).toBeUndefined();
    expect(findPortConflict(state, [parsePublish('81:80'), parsePublish('81:90')], () => true)).toEqual({ mapping: parsePublish('81:90') });
  });

  it('IPv6: "::" covers every IPv6 address, "" both families, 127.0.0.1 never ::1; keys read back', () => {
    const state = emptyIpam();
    reservePorts(state, [parsePublish('[::1]:8080:80')], holder);
    expect(Object.keys(state.ports)).toEqual(['tcp/::1:8080']);
    const alive = () => true;
    expect(findPortConflict(state, [parsePublish('[::]:8080:80')], alive)?.holder).toEqual(holder);
    expect(findPortConflict(state, [parsePublish('8080:80')], alive)?.holder).toEqual(holder);
    expect(findPortConflict(state, [parsePublish('127.0.0.1:8080:80')], alive)).toBeUndefined();
    expect(findPortConflict(state, [parsePublish('[fd00::9]:8080:80')], alive)).toBeUndefined();
    // The IPv6 side of a port on every address is not a second request for the same port.
    const both = [parsePublish('8081:80'), { ...parsePublish('[::]:8081:80'), implicit: true }];
    expect(findPortConflict(state, both, alive)).toBeUndefined();
    reservePorts(state, both, holder);
    expect(Object.keys(state.ports).sort()).toEqual(['tcp/0.0.0.0:8081', 'tcp/::1:8080']);
  });

  it('a reservation replaces a dead holder', () => {
    const state = emptyIpam();
    reservePorts(state, [parsePublish('8080:80')], holder);
    reservePorts(state, [parsePublish('127.0.0.1:8080:80')], { containerId: 'c2', containerName: 'x' });
    expect(state.ports).toEqual({ [portKey(parsePublish('127.0.0.1:8080:80'))]: { containerId: 'c2', containerName: 'x' } });
  });
});
