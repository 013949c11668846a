import { emptyIpam } from '../ipam';
import { findPortConflict, parsePublish, portKey, reservePorts } from '../ports';

describe('-p parsing', () => {
  it('reads HOST:CTR, IP:HOST:CTR and the protocol', () => {
    expect(parsePublish('8080:80')).toEqual({ protocol: 'tcp', hostIp: '', hostPort: 8080, containerPort: 80 });
    expect(parsePublish('127.0.0.1:53:5353/udp')).toEqual({ protocol: 'udp', hostIp: '127.0.0.1', hostPort: 53, containerPort: 5353 });
    expect(parsePublish('0.0.0.0:1:2/tcp').hostIp).toBe('');
  });

  it.each(['80', '80:', 'a:80', '0:80', '70000:80', '80:80/sctp', 'x.y:80:80', '1:2:3:4'])('refuses %s', (spec) => {
    expect(() => parsePublish(spec)).toThrow(/Invalid port mapping/);
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

  it('a reservation replaces a dead holder', () => {
    const state = emptyIpam();
    reservePorts(state, [parsePublish('8080:80')], holder);
    reservePorts(state, [parsePublish('127.0.0.1:8080:80')], { containerId: 'c2', containerName: 'x' });
    expect(state.ports).toEqual({ [portKey(parsePublish('127.0.0.1:8080:80'))]: { containerId: 'c2', containerName: 'x' } });
  });
});
