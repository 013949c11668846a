import { emptyRunSpec, type ContainerInspectView, type ContainerRecord } from '@mydocker/core';
import { fillInspect } from '../inspect';

function inspectWith(storage: unknown): ContainerInspectView {
  const record: ContainerRecord = {
    id: 'd'.repeat(64),
    name: 'x',
    image: 'busybox',
    command: [],
    createdAt: '',
    status: 'running',
    env: [],
    hostname: '',
    workdir: '/',
    tty: false,
    detach: true,
    autoRemove: false,
    spec: emptyRunSpec(),
    ext: { storage },
  };
  const view: ContainerInspectView = { HostConfig: {}, NetworkSettings: {}, Config: { Volumes: null }, Mounts: [] };
  fillInspect(record, view);
  return view;
}

describe('storage part of inspect', () => {
  test("binds, named and anonymous volumes as Docker's Mounts; anonymous ones in Config.Volumes", () => {
    const view = inspectWith({
      driver: 'overlay',
      imageId: 'i',
      layers: [],
      volumes: [
        { type: 'bind', anonymous: false, source: '/srv', destination: '/data', readOnly: true },
        { type: 'volume', name: 'named', anonymous: false, source: '/v/named/_data', destination: '/n', readOnly: false },
        { type: 'volume', name: 'abc', anonymous: true, source: '/v/abc/_data', destination: '/anon', readOnly: false },
      ],
    });
    expect(view.Driver).toBe('overlay');
    expect(view.Mounts).toEqual([
      { Type: 'bind', Source: '/srv', Destination: '/data', Mode: 'ro', RW: false, Propagation: 'rprivate' },
      { Type: 'volume', Name: 'named', Source: '/v/named/_data', Destination: '/n', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
      { Type: 'volume', Name: 'abc', Source: '/v/abc/_data', Destination: '/anon', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
    ]);
    expect(view.Config.Volumes).toEqual({ '/anon': {} });
  });

  test('no storage ext (damaged, or another driver plugin): nothing is filled', () => {
    expect(inspectWith(undefined)).toEqual({ HostConfig: {}, NetworkSettings: {}, Config: { Volumes: null }, Mounts: [] });
  });
});
