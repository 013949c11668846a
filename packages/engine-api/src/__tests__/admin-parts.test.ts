import type { ContainerRecord } from '@mydocker/core';
import { updateArgs } from '../routes/container-admin';
import { listedUnder, reclaimedBytes } from '../routes/prune';
import { cpuStats, statsObject, systemCpuNs } from '../routes/stats';

describe('updateArgs', () => {
  it("turns Docker's ContainerUpdate into the update command's flags, zeros meaning not given", () => {
    expect(updateArgs({ Memory: 100663296, MemorySwap: -1, NanoCpus: 500000000, CpuShares: 0, CpusetCpus: '', PidsLimit: 50, BlkioWeight: 0 })).toEqual({
      memory: '100663296',
      'memory-swap': '-1',
      cpus: '0.5',
      'pids-limit': '50',
    });
  });
  it('maps CPU period/quota, memory reservation, blkio weight and the restart policy (issue 15 update)', () => {
    expect(updateArgs({ CpuPeriod: 100000, CpuQuota: 50000, MemoryReservation: 33554432, BlkioWeight: 300, RestartPolicy: { Name: 'always' } })).toEqual({
      'cpu-period': '100000',
      'cpu-quota': '50000',
      'memory-reservation': '33554432',
      'blkio-weight': '300',
      restart: 'always',
    });
    expect(updateArgs({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } })).toEqual({ restart: 'on-failure:3' });
    expect(updateArgs({ RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } })).toEqual({ restart: 'no' });
    expect(updateArgs({ RestartPolicy: { Name: '', MaximumRetryCount: 0 } })).toEqual({});
  });
  it('refuses what this engine cannot update, and wrong types', () => {
    expect(() => updateArgs({ CpuRealtimeRuntime: 950000 })).toThrow(/CpuRealtimeRuntime cannot be updated/);
    expect(() => updateArgs({ RestartPolicy: { Name: 7 } })).toThrow(/RestartPolicy must be/);
    expect(() => updateArgs({ Memory: true })).toThrow(/Memory must be a number/);
  });
});

describe('prune reports', () => {
  const report = 'Deleted Volumes:\nv1\nv2\n\nTotal reclaimed space: 1.25MB\n';
  it('reads the names under a heading and the reclaimed bytes', () => {
    expect(listedUnder(report, 'Deleted Volumes:')).toEqual(['v1', 'v2']);
    expect(listedUnder('Total reclaimed space: 0B\n', 'Deleted Volumes:')).toEqual([]);
    expect(reclaimedBytes(report)).toBe(1_250_000);
    expect(reclaimedBytes('Total reclaimed space: 0B\n')).toBe(0);
    expect(reclaimedBytes('Total reclaimed space: 3.5kB')).toBe(3500);
  });
});

describe('stats', () => {
  it("sums /proc/stat's first line into nanoseconds (USER_HZ 100)", () => {
    expect(systemCpuNs('cpu  10 0 5 100 5 0 0 0 0 0\ncpu0 1 2 3')).toBe(120 * 10_000_000);
  });
  it("builds Docker's stats object, precpu from the earlier reading", () => {
    const r = { id: 'a'.repeat(64), name: 'web', status: 'running' } as ContainerRecord;
    const before = { usage: { at: 0, cpuUsageNs: 1e9 }, system: 4e10 };
    const now = {
      usage: { at: 1e9, cpuUsageNs: 1.5e9, memoryUsage: 2048, memoryLimit: 4096, pids: 3, blockRead: 1, blockWrite: 2, net: { rx: 10, tx: 20 } },
      system: 4.2e10,
    };
    const s = statsObject(r, now, before);
    expect(s).toMatchObject({
      name: '/web',
      id: r.id,
      pids_stats: { current: 3 },
      cpu_stats: { cpu_usage: { total_usage: 1.5e9 }, system_cpu_usage: 4.2e10 },
      precpu_stats: { cpu_usage: { total_usage: 1e9 }, system_cpu_usage: 4e10 },
      memory_stats: { usage: 2048, limit: 4096 },
      networks: { eth0: { rx_bytes: 10, tx_bytes: 20 } },
    });
    expect(s.blkio_stats.io_service_bytes_recursive).toEqual([
      { major: 0, minor: 0, op: 'read', value: 1 },
      { major: 0, minor: 0, op: 'write', value: 2 },
    ]);
    const stopped = statsObject({ ...r, status: 'stopped' } as ContainerRecord, { usage: { at: 0 }, system: 1 });
    expect(stopped).toMatchObject({ read: '0001-01-01T00:00:00Z', memory_stats: {}, blkio_stats: { io_service_bytes_recursive: null } });
  });
});

describe('cpuStats', () => {
  it('carries per-CPU time, the user/kernel split and throttling into Docker’s cpu_stats', () => {
    const c = cpuStats(
      { at: 1, cpuUsageNs: 30, cpuPerCpuNs: [10, 20], cpuUserNs: 25, cpuKernelNs: 5, cpuThrottling: { periods: 9, throttledPeriods: 4, throttledTimeNs: 700 } },
      99,
    );
    expect(c).toMatchObject({
      cpu_usage: { total_usage: 30, percpu_usage: [10, 20], usage_in_usermode: 25, usage_in_kernelmode: 5 },
      system_cpu_usage: 99,
      throttling_data: { periods: 9, throttled_periods: 4, throttled_time: 700 },
    });
    // cgroup v2 has no per-CPU counts: the member is left out, as Docker's daemon leaves it.
    expect(cpuStats({ at: 1, cpuUsageNs: 3 }, 1).cpu_usage).not.toHaveProperty('percpu_usage');
    expect(cpuStats(undefined, 5)).toMatchObject({ system_cpu_usage: 0, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } });
  });
});
