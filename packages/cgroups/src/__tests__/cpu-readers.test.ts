import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupStats } from '../manager';
import { cpuV1 } from '../v1/cpu';
import { cpuacctV1 } from '../v1/cpuacct';
import { cpuV2 } from '../v2/cpu';

/** A folder holding the given control files, as the kernel writes them. */
function cgroupDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cg-read-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const read = (stats: (dir: string, into: CgroupStats) => void, files: Record<string, string>): CgroupStats => {
  const dir = cgroupDir(files);
  try {
    const out: CgroupStats = {};
    stats(dir, out);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('cgroup v1 cpuacct reader', () => {
  it('reads per-CPU time (the total is their sum), and user/system ticks as nanoseconds', () => {
    const s = read(cpuacctV1.stats!, {
      'cpuacct.usage_percpu': '1500 2500 0 6000 \n',
      'cpuacct.usage': '9999',
      'cpuacct.stat': 'user 12\nsystem 3\n',
    });
    expect(s).toEqual({ cpuPerCpuNs: [1500, 2500, 0, 6000], cpuUsageNs: 10000, cpuUserNs: 120_000_000, cpuKernelNs: 30_000_000 });
  });

  it('falls back to cpuacct.usage without a per-CPU file; nothing at all reads as nothing', () => {
    expect(read(cpuacctV1.stats!, { 'cpuacct.usage': '4242\n' })).toEqual({ cpuUsageNs: 4242 });
    expect(read(cpuacctV1.stats!, {})).toEqual({});
  });
});

describe('cgroup v1 cpu reader (cpu.stat)', () => {
  it('reads CFS throttling, throttled_time already in nanoseconds', () => {
    const s = read(cpuV1.stats!, { 'cpu.stat': 'nr_periods 40\nnr_throttled 7\nthrottled_time 123456789\nnr_bursts 0\nburst_time 0\n' });
    expect(s).toEqual({ cpuThrottling: { periods: 40, throttledPeriods: 7, throttledTimeNs: 123456789 } });
    expect(read(cpuV1.stats!, {})).toEqual({});
  });
});

describe('cgroup v2 cpu reader (cpu.stat)', () => {
  it('reads usage, user and system time and throttling, microseconds as nanoseconds', () => {
    const s = read(cpuV2.stats!, {
      'cpu.stat': 'usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\nnr_periods 10\nnr_throttled 2\nthrottled_usec 150\n',
    });
    expect(s).toEqual({
      cpuUsageNs: 5_000_000,
      cpuUserNs: 3_000_000,
      cpuKernelNs: 2_000_000,
      cpuThrottling: { periods: 10, throttledPeriods: 2, throttledTimeNs: 150_000 },
    });
  });

  it('without the cpu controller cpu.stat has no nr_periods: no throttling reported', () => {
    expect(read(cpuV2.stats!, { 'cpu.stat': 'usage_usec 7\nuser_usec 4\nsystem_usec 3\n' })).toEqual({ cpuUsageNs: 7000, cpuUserNs: 4000, cpuKernelNs: 3000 });
  });
});
