import { createBodyToSpec, mountSpecs, publishSpecs } from '../create-spec';
import { type ApiError } from '../api-error';

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
      volumes: ['/h:/c:ro'],
      publish: ['8080:80/tcp'],
      labels: ['a=b'],
      network: undefined,
    });
    expect(spec.resources).toEqual({
      memory: '67108864',
      memorySwap: undefined,
      cpuShares: undefined,
      cpus: '0.5',
      cpusetCpus: undefined,
      cpusetMems: undefined,
      pidsLimit: undefined,
    });
    expect(warnings).toEqual([expect.stringMatching(/restart policy "always"/)]);
  });

  it('splits a multi-word Entrypoint: the first word is the entrypoint, the rest lead the command', () => {
    expect(createBodyToSpec({ Image: 'i', Entrypoint: ['sh', '-c'], Cmd: ['echo x'] }, undefined).spec).toMatchObject({
      entrypoint: 'sh',
      command: ['-c', 'echo x'],
    });
    expect(createBodyToSpec({ Image: 'i', Entrypoint: 'top' }, undefined).spec).toMatchObject({ entrypoint: 'top', command: [] });
  });

  it('refuses wrong types with a 400 that names the field', () => {
    const bad = (body: Record<string, unknown>) => {
      try {
        createBodyToSpec(body, undefined);
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
