import { emptyRunSpec, type ContainerInspectView, type ContainerRecord } from '@mydocker/core';
import { fillInspect } from '../inspect';

function inspectWith(logs: unknown): ContainerInspectView {
  const record: ContainerRecord = {
    id: 'e'.repeat(64),
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
    ext: { logs },
  };
  const view: ContainerInspectView = { HostConfig: { LogConfig: { Type: 'none', Config: {} } }, NetworkSettings: {}, Config: {}, Mounts: [] };
  fillInspect(record, view);
  return view;
}

describe('logs part of inspect', () => {
  test('LogPath and LogConfig with the rotation settings', () => {
    const view = inspectWith({ driver: 'k8s-file', path: '/r/c/container.log', maxSize: 1048576, maxFiles: 3 });
    expect(view.LogPath).toBe('/r/c/container.log');
    expect(view.HostConfig.LogConfig).toEqual({ Type: 'k8s-file', Config: { 'max-size': '1048576', 'max-file': '3' } });
  });

  test('no logs ext: the view is left as it was', () => {
    expect(inspectWith(undefined).HostConfig.LogConfig).toEqual({ Type: 'none', Config: {} });
  });
});
