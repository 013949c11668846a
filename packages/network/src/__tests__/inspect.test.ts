import { emptyRunSpec, type ContainerInspectView, type ContainerRecord } from '@mydocker/core';
import { fillInspect } from '../inspect';
import type { NetworkExt } from '../model';

const ext: NetworkExt = {
  mode: 'bridge',
  network: 'mynet',
  ip: '10.9.0.2',
  ports: [
    { protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80 },
    { protocol: 'udp', hostIp: '', hostPort: 5353, containerPort: 53 },
  ],
  endpoints: [
    {
      network: 'mynet',
      networkId: 'n'.repeat(64),
      bridge: 'br-mynet',
      ip: '10.9.0.2',
      prefixLength: 24,
      gateway: '10.9.0.1',
      mac: '02:42:0a:09:00:02',
      hostVeth: 'vethabc',
      ifname: 'eth0',
    },
  ],
};

function view(): ContainerInspectView {
  return { HostConfig: {}, NetworkSettings: {}, Config: {}, Mounts: [] };
}

function record(status: ContainerRecord['status'], network: unknown): ContainerRecord {
  return {
    id: 'b'.repeat(64),
    name: 'web',
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
    spec: emptyRunSpec({ flags: { network: { network: 'mynet' } } }),
    ext: { network },
  };
}

describe('network part of inspect', () => {
  test("a running container on a bridge: Docker's NetworkSettings, Networks by name, PortBindings", () => {
    const v = view();
    fillInspect(record('running', ext), v);
    expect(v.HostConfig).toEqual({
      NetworkMode: 'mynet',
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostIp: '', HostPort: '5353' }] },
    });
    expect(v.NetworkSettings).toMatchObject({
      IPAddress: '10.9.0.2',
      Gateway: '10.9.0.1',
      MacAddress: '02:42:0a:09:00:02',
      IPPrefixLen: 24,
      Ports: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostIp: '0.0.0.0', HostPort: '5353' }] },
    });
    expect((v.NetworkSettings.Networks as Record<string, unknown>).mynet).toMatchObject({
      IPAddress: '10.9.0.2',
      Gateway: '10.9.0.1',
      NetworkID: 'n'.repeat(64),
      Aliases: ['web', 'bbbbbbbbbbbb'],
    });
  });

  test('a stopped container keeps its networks but shows no address or published ports', () => {
    const v = view();
    fillInspect(record('stopped', ext), v);
    expect(v.NetworkSettings).toMatchObject({ IPAddress: '', Ports: {} });
    expect((v.NetworkSettings.Networks as Record<string, { IPAddress: string }>).mynet.IPAddress).toBe('');
  });

  test('--net none and host are networks named so', () => {
    for (const mode of ['none', 'host'] as const) {
      const v = view();
      fillInspect(record('running', { mode, ports: [], endpoints: [] }), v);
      expect(v.HostConfig.NetworkMode).toBe(mode);
      expect(Object.keys(v.NetworkSettings.Networks as object)).toEqual([mode]);
    }
  });

  test('a damaged ext fills nothing', () => {
    const v = view();
    fillInspect(record('running', { mode: 'bridge', endpoints: 'x' }), v);
    expect(v).toEqual(view());
  });

  test("Config.ExposedPorts gains the ports of --expose and -p, kept beside those already there (the image's)", () => {
    const v = view();
    v.Config.ExposedPorts = { '443/tcp': {} };
    const r = record('created', undefined);
    r.spec = emptyRunSpec({ flags: { network: { expose: ['81', '7000-7001/udp'], publish: ['127.0.0.1:8080:80'] } } });
    fillInspect(r, v);
    expect(Object.keys(v.Config.ExposedPorts as object).sort()).toEqual(['443/tcp', '7000/udp', '7001/udp', '80/tcp', '81/tcp']);
    const plain = view();
    fillInspect(record('created', undefined), plain);
    expect(plain.Config.ExposedPorts).toBeUndefined();
  });
});
