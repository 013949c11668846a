import { flagsOf, flagList, flagString, flagBoolean } from '../flags';
import { migrateLegacyRunSpec } from '../legacy-spec';
import type { RunSpec } from '../model';

/** A spec as the engine stored it before plugins declared their flags (every old plugin field set). */
function oldSpec(): RunSpec {
  return {
    image: 'busybox',
    command: ['top'],
    detach: true,
    tty: false,
    interactive: false,
    autoRemove: false,
    env: [],
    readOnly: false,
    restart: 'always',
    resources: { memory: '100m', cpuShares: '512', pidsLimit: '20', cpus: undefined },
    volumes: ['/h:/c:ro'],
    mounts: ['type=tmpfs,target=/t'],
    tmpfs: [],
    network: 'mynet',
    publish: ['8080:80'],
    publishAll: true,
    networkOptions: { aliases: ['web'], dns: ['10.0.0.1'], ip: '172.30.0.9' },
    capAdd: ['NET_ADMIN'],
    capDrop: [],
    privileged: true,
    securityOpt: ['no-new-privileges'],
    logOpts: ['max-size=1m'],
    logDriver: 'json-file',
    devices: ['/dev/fuse'],
    pull: 'never',
    platform: 'linux/amd64',
    init: false,
    health: { cmd: 'true', interval: '5s' },
  } as unknown as RunSpec;
}

describe('migrateLegacyRunSpec', () => {
  it('moves every old plugin field to the flag its plugin now reads, and deletes the old field', () => {
    const spec = oldSpec();
    expect(migrateLegacyRunSpec(spec)).toBe(true);
    expect(spec.flags).toEqual({
      cgroups: { memory: '100m', 'cpu-shares': '512', 'pids-limit': '20' },
      storage: { volume: ['/h:/c:ro'], mount: ['type=tmpfs,target=/t'] },
      network: { network: 'mynet', publish: ['8080:80'], 'publish-all': true, 'network-alias': ['web'], dns: ['10.0.0.1'], ip: '172.30.0.9' },
      namespaces: {
        'cap-add': ['NET_ADMIN'],
        privileged: true,
        'security-opt': ['no-new-privileges'],
        device: ['/dev/fuse'],
        init: false,
        'health-cmd': 'true',
        'health-interval': '5s',
      },
      logs: { 'log-opt': ['max-size=1m'], 'log-driver': 'json-file' },
      images: { pull: 'never', platform: 'linux/amd64' },
    });
    for (const field of [
      'resources',
      'volumes',
      'mounts',
      'tmpfs',
      'network',
      'publish',
      'publishAll',
      'networkOptions',
      'capAdd',
      'capDrop',
      'privileged',
      'health',
    ]) {
      expect(spec).not.toHaveProperty(field);
    }
    // Core fields stay where they were.
    expect(spec).toMatchObject({ image: 'busybox', restart: 'always', readOnly: false });
    // What the plugins' accessors read after the move.
    expect(flagString(flagsOf(spec, 'cgroups'), 'memory')).toBe('100m');
    expect(flagList(flagsOf(spec, 'network'), 'publish')).toEqual(['8080:80']);
    expect(flagBoolean(flagsOf(spec, 'namespaces'), 'privileged')).toBe(true);
  });

  it('keeps --no-healthcheck, and a value already under flags wins over an old field', () => {
    const spec = { ...oldSpec(), health: { none: true }, flags: { cgroups: { memory: '1g' } } } as unknown as RunSpec;
    migrateLegacyRunSpec(spec);
    expect(spec.flags?.cgroups).toEqual({ memory: '1g', 'cpu-shares': '512', 'pids-limit': '20' });
    expect(spec.flags?.namespaces).toMatchObject({ healthcheck: false });
    expect(spec.flags?.namespaces).not.toHaveProperty('health-cmd');
  });

  it('leaves a spec of today as it is, and an old one with nothing given without flags', () => {
    const today: RunSpec = {
      image: 'i',
      command: [],
      detach: false,
      tty: false,
      interactive: false,
      autoRemove: false,
      env: [],
      flags: { network: { publish: ['1:1'] } },
    };
    const copy = structuredClone(today);
    expect(migrateLegacyRunSpec(today)).toBe(false);
    expect(today).toEqual(copy);
    const empty = {
      image: 'i',
      command: [],
      env: [],
      resources: {},
      volumes: [],
      publish: [],
      capAdd: [],
      capDrop: [],
      privileged: false,
      securityOpt: [],
      logOpts: [],
      devices: [],
    } as unknown as RunSpec;
    expect(migrateLegacyRunSpec(empty)).toBe(true);
    expect(empty).toEqual({ image: 'i', command: [], env: [] });
    expect(migrateLegacyRunSpec(empty)).toBe(false);
  });
});
