import { emptyRunSpec, type ContainerInspectView, type ContainerRecord } from '@mydocker/core';
import { deviceMapping, fillInspect } from '../inspect';

const view = (): ContainerInspectView => ({ HostConfig: {}, NetworkSettings: {}, Config: {}, Mounts: [] });
const record = (flags: Record<string, unknown>): ContainerRecord =>
  ({
    id: 'a'.repeat(64),
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
    spec: emptyRunSpec({ flags: { namespaces: flags as never } }),
    ext: {},
  }) as ContainerRecord;

describe("the runtime's part of inspect", () => {
  it('shows its flags as Docker names them', () => {
    const v = view();
    fillInspect(
      record({ 'cap-add': ['NET_ADMIN'], 'cap-drop': ['MKNOD'], 'security-opt': ['no-new-privileges'], device: ['/dev/fuse', '/dev/null:/dev/mynull:r'] }),
      v,
    );
    expect(v.HostConfig).toEqual({
      CapAdd: ['NET_ADMIN'],
      CapDrop: ['MKNOD'],
      Privileged: false,
      SecurityOpt: ['no-new-privileges'],
      Devices: [
        { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' },
        { PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'r' },
      ],
    });
  });

  it('--privileged shows no device list, as Docker; no flags show the zero values', () => {
    const v = view();
    fillInspect(record({ privileged: true, device: ['/dev/fuse'] }), v);
    expect(v.HostConfig).toMatchObject({ Privileged: true, Devices: [] });
    const none = view();
    fillInspect(record({}), none);
    expect(none.HostConfig).toMatchObject({ CapAdd: null, CapDrop: null, Privileged: false, Devices: [] });
  });

  it('--device HOST:PERMS keeps the host path inside', () => {
    expect(deviceMapping('/dev/fuse:rw')).toEqual({ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rw' });
  });
});
