import { createBodyToSpec, mountSpecs, publishSpecs } from '../create-spec';
import { type ApiError } from '../api-error';
import { FlagRegistry } from '@mydocker/core';

/** The flags the built-in plugins declare for what this test maps (their owners as those plugins name them). */
function registry(): FlagRegistry {
  const flags = new FlagRegistry();
  const str = (name: string) => ({ name, type: 'string' as const, describe: name });
  const arr = (name: string) => ({ name, type: 'array' as const, describe: name });
  flags.declare('cgroups', ...['memory', 'memory-swap', 'cpu-shares', 'cpus', 'cpuset-cpus', 'cpuset-mems', 'pids-limit'].map(str));
  flags.declare('storage', arr('volume'), arr('mount'), arr('tmpfs'));
  flags.declare('network', str('network'), arr('publish'));
  flags.declare('namespaces', arr('cap-add'), { name: 'privileged', type: 'boolean', describe: 'p' }, str('health-cmd'), str('health-interval'), {
    name: 'healthcheck',
    type: 'boolean',
    describe: 'h',
  });
  return flags;
}

describe('createBodyToSpec', () => {
  it('maps Config and HostConfig to the flags mydocker create takes', () => {
    const { spec, warnings } = createBodyToSpec(
      {
        Image: 'busybox',
        Cmd: ['echo', 'hi'],
        Env: ['A=1'],
        Tty: true,
        OpenStdin: true,
        Labels: { a: 'b' },
        WorkingDir: '/w',
        User: '1000',
        HostConfig: {
          Binds: ['/h:/c:ro'],
          Memory: 67108864,
          NanoCpus: 500000000,
          CpuShares: 0,
          PidsLimit: 0,
          AutoRemove: true,
          NetworkMode: 'default',
          PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] },
          RestartPolicy: { Name: 'always' },
        },
      },
      'web',
      registry(),
    );
    expect(spec).toMatchObject({
      image: 'busybox',
      command: ['echo', 'hi'],
      env: ['A=1'],
      tty: true,
      interactive: true,
      detach: true,
      autoRemove: true,
      name: 'web',
      workdir: '/w',
      user: '1000',
      labels: ['a=b'],
      restart: 'always',
    });
    // Plugin values under their owners, as `mydocker create --memory ... -v ... -p ...` stores them.
    expect(spec.flags).toEqual({
      cgroups: { memory: '67108864', cpus: '0.5' },
      storage: { volume: ['/h:/c:ro'] },
      network: { publish: ['8080:80/tcp'] },
    });
    expect(warnings).toEqual([]);
  });

  it('maps RestartPolicy to --restart and Healthcheck to the --health-* flags', () => {
    const { spec } = createBodyToSpec(
      {
        Image: 'i',
        Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 2_000_000_000 },
        HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 }, Privileged: true },
      },
      undefined,
      registry(),
    );
    expect(spec.restart).toBe('on-failure:3');
    expect(spec.flags).toEqual({ namespaces: { privileged: true, 'health-cmd': 'true', 'health-interval': '2000ms' } });
    const none = createBodyToSpec({ Image: 'i', Healthcheck: { Test: ['NONE'] } }, undefined, registry()).spec;
    expect(none.flags).toEqual({ namespaces: { healthcheck: false } });
  });

  it('refuses a value that no installed plugin takes instead of dropping it', () => {
    expect(() => createBodyToSpec({ Image: 'i', HostConfig: { Memory: 1 << 26, LogConfig: { Type: 'json-file' } } }, undefined, new FlagRegistry())).toThrow(
      /No installed plugin takes --memory, --log-driver/,
    );
    expect(createBodyToSpec({ Image: 'i', HostConfig: { Memory: 0 } }, undefined, new FlagRegistry()).spec.flags).toBeUndefined();
  });

  it('splits a multi-word Entrypoint: the first word is the entrypoint, the rest lead the command', () => {
    expect(createBodyToSpec({ Image: 'i', Entrypoint: ['sh', '-c'], Cmd: ['echo x'] }, undefined, registry()).spec).toMatchObject({
      entrypoint: 'sh',
      command: ['-c', 'echo x'],
    });
    expect(createBodyToSpec({ Image: 'i', Entrypoint: 'top' }, undefined, registry()).spec).toMatchObject({ entrypoint: 'top', command: [] });
  });

  it('refuses wrong types with a 400 that names the field', () => {
    const bad = (body: Record<string, unknown>) => {
      try {
        createBodyToSpec(body, undefined, registry());
      } catch (err) {
        return [(err as ApiError).status, (err as Error).message];
      }
      return undefined;
    };
    expect(bad({})).toEqual([400, expect.stringMatching(/Image/)]);
    expect(bad({ Image: 'i', Env: 'A=1' })).toBeUndefined();
    expect(bad({ Image: 'i', Env: [1] })).toEqual([400, 'Env in the request body must be an array of strings.']);
    expect(bad({ Image: 'i', Tty: 'yes' })).toEqual([400, 'Tty in the request body must be true or false.']);
    expect(bad({ Image: 'i', HostConfig: { Memory: '1g' } })).toEqual([400, 'HostConfig.Memory in the request body must be a number.']);
    expect(bad({ Image: 'i', HostConfig: [] })).toEqual([400, 'HostConfig in the request body must be an object.']);
  });
});

describe('publishSpecs / mountSpecs', () => {
  it('writes -p specs: any free port for an empty or zero HostPort, the address when given', () => {
    expect(publishSpecs({ '80/tcp': [{ HostPort: '' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }], '22/tcp': [{ HostPort: '0' }] })).toEqual([
      '80/tcp',
      '127.0.0.1:5353:53/udp',
      '22/tcp',
    ]);
    expect(publishSpecs({}, ['8080/tcp'])).toEqual(['8080/tcp']);
    expect(() => publishSpecs({ 'x/tcp': [] })).toThrow(/Invalid port/);
  });

  it('writes --mount specs and refuses a comma that would change their meaning', () => {
    expect(mountSpecs([{ Type: 'volume', Source: 'data', Target: '/data', ReadOnly: true }])).toEqual(['type=volume,source=data,target=/data,readonly']);
    expect(() => mountSpecs([{ Type: 'bind', Source: '/a,b', Target: '/x' }])).toThrow(/comma/);
  });
});

describe('createBodyToSpec: network aliases and the CPU limits issue 15 added', () => {
  it('takes EndpointsConfig[NetworkMode].Aliases as --network-alias, CpuPeriod/CpuQuota/MemoryReservation/BlkioWeight as flags', () => {
    const flags = registry();
    flags.declare('network-extra', { name: 'network-alias', type: 'array', describe: 'a' });
    flags.declare(
      'cgroups-extra',
      ...['cpu-period', 'cpu-quota', 'memory-reservation', 'blkio-weight'].map((name) => ({ name, type: 'string' as const, describe: name })),
    );
    const { spec } = createBodyToSpec(
      {
        Image: 'busybox',
        HostConfig: { NetworkMode: 'appnet', CpuPeriod: 100000, CpuQuota: 20000, MemoryReservation: 1048576, BlkioWeight: 300 },
        NetworkingConfig: { EndpointsConfig: { appnet: { Aliases: ['web', 'www'] } } },
      },
      undefined,
      flags,
    );
    expect(JSON.stringify(spec.flags)).toContain('"network-alias":["web","www"]');
    for (const v of ['"cpu-period":"100000"', '"cpu-quota":"20000"', '"memory-reservation":"1048576"', '"blkio-weight":"300"'])
      expect(JSON.stringify(spec.flags)).toContain(v);
  });
});
