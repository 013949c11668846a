import { emptyRunSpec, type ContainerInspectView, type ContainerRecord } from '@mydocker/core';
import { fillInspect } from '../inspect';

function inspectWith(limits: unknown, flags: Record<string, string> = {}): Record<string, unknown> {
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
    spec: emptyRunSpec({ flags: { cgroups: flags } }),
    ext: { cgroups: { version: 1, paths: {}, parent: 'p', limits } },
  };
  const view: ContainerInspectView = { HostConfig: {}, NetworkSettings: {}, Config: {}, Mounts: [] };
  fillInspect(record, view);
  return view.HostConfig;
}

const ZEROS = {
  Memory: 0,
  MemorySwap: 0,
  NanoCpus: 0,
  CpuShares: 0,
  CpusetCpus: '',
  CpusetMems: '',
  PidsLimit: null,
  CpuQuota: 0,
  CpuPeriod: 0,
  MemoryReservation: 0,
  BlkioWeight: 0,
};

describe('cgroup limits in inspect', () => {
  test("-m, --cpus, --cpu-shares, --cpuset-cpus and --pids-limit as Docker's HostConfig fields", () => {
    const limits = { memory: 67108864, memorySwap: -1, cpuQuota: 50000, cpuPeriod: 100000, cpuShares: 512, cpusetCpus: '0-1', pidsLimit: 100 };
    expect(inspectWith(limits, { cpus: '0.5' })).toEqual({
      ...ZEROS,
      Memory: 67108864,
      MemorySwap: -1,
      NanoCpus: 500000000,
      CpuShares: 512,
      CpusetCpus: '0-1',
      PidsLimit: 100,
    });
  });

  test('--cpu-quota/--cpu-period as CpuQuota/CpuPeriod (not NanoCpus), --memory-reservation, --blkio-weight', () => {
    expect(
      inspectWith({ cpuQuota: 25000, cpuPeriod: 50000, memoryReservation: 33554432, blkioWeight: 300 }, { 'cpu-quota': '25000', 'cpu-period': '50000' }),
    ).toEqual({
      ...ZEROS,
      CpuQuota: 25000,
      CpuPeriod: 50000,
      MemoryReservation: 33554432,
      BlkioWeight: 300,
    });
  });

  test('no limits: the zeros Docker shows', () => {
    expect(inspectWith({})).toEqual(ZEROS);
  });

  test('no cgroups ext (damaged or made without the plugin): nothing is filled', () => {
    expect(inspectWith(undefined)).toEqual({});
  });
});
