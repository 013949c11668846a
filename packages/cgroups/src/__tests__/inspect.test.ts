import { emptyRunSpec, type ContainerInspectView, type ContainerRecord } from '@mydocker/core';
import { fillInspect } from '../inspect';

function inspectWith(limits: unknown): Record<string, unknown> {
  const record: ContainerRecord = {
    id: 'c'.repeat(64),
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
    ext: { cgroups: { version: 1, paths: {}, parent: 'p', limits } },
  };
  const view: ContainerInspectView = { HostConfig: {}, NetworkSettings: {}, Config: {}, Mounts: [] };
  fillInspect(record, view);
  return view.HostConfig;
}

describe('cgroup limits in inspect', () => {
  test("-m, --cpus, --cpu-shares, --cpuset-cpus and --pids-limit as Docker's HostConfig fields", () => {
    expect(inspectWith({ memory: 67108864, memorySwap: -1, cpuQuota: 50000, cpuPeriod: 100000, cpuShares: 512, cpusetCpus: '0-1', pidsLimit: 100 })).toEqual({
      Memory: 67108864,
      MemorySwap: -1,
      NanoCpus: 500000000,
      CpuShares: 512,
      CpusetCpus: '0-1',
      CpusetMems: '',
      PidsLimit: 100,
    });
  });

  test('no limits: the zeros Docker shows', () => {
    expect(inspectWith({})).toEqual({ Memory: 0, MemorySwap: 0, NanoCpus: 0, CpuShares: 0, CpusetCpus: '', CpusetMems: '', PidsLimit: null });
  });

  test('no cgroups ext (damaged or made without the plugin): nothing is filled', () => {
    expect(inspectWith(undefined)).toEqual({});
  });
});
