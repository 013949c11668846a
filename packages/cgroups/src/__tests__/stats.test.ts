import { emptyRunSpec, type ContainerRecord } from '@mydocker/core';
import { formatTable } from '@mydocker/core';
import { formatBytes, formatPercent } from '../format';
import { statsRow, type Sample } from '../stats';

function record(status: ContainerRecord['status']): ContainerRecord {
  return {
    id: '0123456789abcdef'.repeat(4),
    name: 'web',
    image: 'busybox',
    command: ['sh'],
    createdAt: new Date(0).toISOString(),
    status,
    env: [],
    hostname: 'web',
    workdir: '/',
    tty: false,
    detach: true,
    autoRemove: false,
    spec: emptyRunSpec(),
    ext: {},
  };
}

describe('formatting', () => {
  it('prints sizes as docker stats does', () => {
    expect(formatBytes(0)).toBe('0B');
    expect(formatBytes(1000)).toBe('1000B');
    expect(formatBytes(1425408)).toBe('1.359MiB');
    expect(formatBytes(50 * 1024 ** 2)).toBe('50MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5GiB');
    expect(formatPercent(12.345)).toBe('12.35%');
    expect(formatPercent(NaN)).toBe('0.00%');
  });

  it('pads columns three spaces apart', () => {
    expect(formatTable([['A', 'BB', 'C'], ['long', 'x', 'y']])).toBe('A      BB   C\nlong   x    y\n');
  });
});

describe('statsRow', () => {
  const before: Sample = { at: 1e9, stats: { cpuUsageNs: 2e9 } };
  const after: Sample = { at: 2e9, stats: { cpuUsageNs: 2.5e9, memoryUsage: 5 * 1024 ** 2, memoryLimit: 50 * 1024 ** 2, pids: 3 } };

  it('computes CPU % over the interval and memory against the limit', () => {
    expect(statsRow(record('running'), before, after, 8 * 1024 ** 3)).toEqual(['0123456789ab', 'web', '50.00%', '5MiB / 50MiB', '10.00%', '3']);
  });

  it('uses host memory when the cgroup is unlimited', () => {
    const unlimited: Sample = { at: 2e9, stats: { memoryUsage: 1024 ** 3 } };
    expect(statsRow(record('running'), undefined, unlimited, 4 * 1024 ** 3).slice(2)).toEqual(['0.00%', '1GiB / 4GiB', '25.00%', '0']);
  });

  it('shows zeros for a stopped container', () => {
    expect(statsRow(record('stopped'), undefined, { at: 1, stats: {} })).toEqual(['0123456789ab', 'web', '0.00%', '0B / 0B', '0.00%', '0']);
  });
});
