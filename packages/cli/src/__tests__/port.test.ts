import { UsageError } from '@mydocker/core';
import { portLines } from '../commands/port';

describe('portLines', () => {
  const ports = {
    '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: '80' }],
    '53/udp': [{ HostIp: '::1', HostPort: '5353' }],
    '443/tcp': [
      { HostIp: '', HostPort: '8443' },
      { HostIp: '127.0.0.1', HostPort: '9443' },
    ],
    '9/tcp': null,
  };

  it('lists every binding in port order, IPv6 in brackets, no address as 0.0.0.0', () => {
    expect(portLines(ports)).toEqual(['53/udp -> [::1]:5353', '443/tcp -> 0.0.0.0:8443', '443/tcp -> 127.0.0.1:9443', '8080/tcp -> 0.0.0.0:80']);
  });

  it('looks up one private port, tcp when no protocol is given; undefined when not published', () => {
    expect(portLines(ports, '443')).toEqual(['0.0.0.0:8443', '127.0.0.1:9443']);
    expect(portLines(ports, '53/udp')).toEqual(['[::1]:5353']);
    expect(portLines(ports, '53')).toBeUndefined();
    expect(portLines(ports, '9')).toBeUndefined();
  });

  it('refuses what is not PORT[/PROTO]', () => {
    for (const bad of ['http', '0', '70000', '80/icmp', '80/']) expect(() => portLines(ports, bad)).toThrow(UsageError);
  });
});
