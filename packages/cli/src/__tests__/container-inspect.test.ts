import { emptyRunSpec, type ContainerRecord } from '@mydocker/core';
import { baseInspect, dockerStatus, ZERO_TIME } from '../inspect/container-inspect';

function record(overrides: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: 'a'.repeat(64),
    name: 'web',
    image: 'busybox',
    imageId: 'f'.repeat(64),
    command: ['/bin/top', '-b'],
    createdAt: '2026-11-30T10:00:00.000Z',
    status: 'running',
    pid: 4242,
    startedAt: '2026-11-30T10:00:01.000Z',
    env: ['PATH=/bin', 'A=1'],
    hostname: 'aaaaaaaaaaaa',
    workdir: '/',
    tty: false,
    detach: true,
    autoRemove: false,
    spec: emptyRunSpec({ command: ['/bin/top', '-b'], detach: true }),
    ext: { storage: { secret: 'never shown' } },
    ...overrides,
  };
}

describe("inspect in Docker's shape", () => {
  test('a running container: Name with a slash, Path/Args, State, Image id, Config', () => {
    const v = baseInspect(record());
    expect(v).toMatchObject({
      Id: 'a'.repeat(64),
      Created: '2026-11-30T10:00:00.000Z',
      Path: '/bin/top',
      Args: ['-b'],
      Name: '/web',
      Image: `sha256:${'f'.repeat(64)}`,
      State: {
        Status: 'running',
        Running: true,
        Paused: false,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        Pid: 4242,
        ExitCode: 0,
        Error: '',
        StartedAt: '2026-11-30T10:00:01.000Z',
        FinishedAt: ZERO_TIME,
      },
      Config: {
        Hostname: 'aaaaaaaaaaaa',
        Env: ['PATH=/bin', 'A=1'],
        Cmd: ['/bin/top', '-b'],
        Image: 'busybox',
        WorkingDir: '/',
        Entrypoint: null,
        User: '',
        Tty: false,
        OpenStdin: false,
      },
      HostConfig: {
        Memory: 0,
        NanoCpus: 0,
        CpuShares: 0,
        Privileged: false,
        ReadonlyRootfs: false,
        Binds: null,
        PortBindings: {},
        NetworkMode: 'none',
        AutoRemove: false,
        CapAdd: null,
        CapDrop: null,
        Devices: [],
      },
      Mounts: [],
      NetworkSettings: { IPAddress: '', Gateway: '', MacAddress: '', Ports: {}, Networks: {} },
    });
  });

  test('the engine record never shows: no ext, spec or lower-case fields', () => {
    const json = JSON.stringify(baseInspect(record()));
    expect(json).not.toMatch(/"(ext|spec|status|pid|createdAt|autoRemove)"/);
    expect(json).not.toContain('never shown');
  });

  test('a stopped container is "exited" with its code and no pid; a damaged one is "dead"', () => {
    const v = baseInspect(record({ status: 'stopped', exitCode: 3, finishedAt: '2026-11-30T10:05:00.000Z' }));
    expect(v.State).toMatchObject({ Status: 'exited', Running: false, Pid: 0, ExitCode: 3, FinishedAt: '2026-11-30T10:05:00.000Z' });
    expect(dockerStatus(record({ status: 'created' }))).toBe('created');
    const dead = baseInspect(record({ damaged: true, damage: 'it is truncated', status: 'unknown' }));
    expect(dead.State).toMatchObject({ Status: 'dead', Dead: true, Running: false, Error: 'it is truncated' });
  });

  test('run flags map to HostConfig and Config as Docker names them', () => {
    const spec = emptyRunSpec({
      entrypoint: '/bin/sh',
      command: ['-c', 'echo hi'],
      readOnly: true,
      autoRemove: true,
      interactive: true,
      tty: true,
      flags: { network: { network: 'mynet' }, namespaces: { 'cap-add': ['NET_ADMIN'] } },
    });
    const v = baseInspect(record({ spec, command: ['/bin/sh', '-c', 'echo hi'], autoRemove: true, tty: true, user: '1000' }));
    expect(v.Config).toMatchObject({ Entrypoint: ['/bin/sh'], Cmd: ['-c', 'echo hi'], Tty: true, OpenStdin: true, User: '1000' });
    // A plugin's flags are its own to show (its inspect tap): the CLI shows Docker's zero values for them.
    expect(v.HostConfig).toMatchObject({
      Binds: null,
      NetworkMode: 'none',
      CapAdd: null,
      Privileged: false,
      ReadonlyRootfs: true,
      AutoRemove: true,
      Devices: [],
    });
  });
});
