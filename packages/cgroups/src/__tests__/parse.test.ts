import { UsageError } from '@mydocker/core';
import { discardUnsupported, formatCpuList, parseBytes, parseCpuList, parseResources, sharesToWeight, type HostFacts } from '../parse';

const twoCpus: HostFacts = { onlineCpus: [0, 1], onlineMems: [0] };

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(125);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('parseBytes', () => {
  it.each([
    ['512', 512],
    ['100b', 100],
    ['4k', 4096],
    ['50m', 50 * 1024 ** 2],
    ['50M', 50 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['1.5g', 1.5 * 1024 ** 3],
    ['64MiB', 64 * 1024 ** 2],
    ['2GB', 2 * 1024 ** 3],
  ])('%s = %d bytes', (raw, bytes) => expect(parseBytes(raw, '-m')).toBe(bytes));

  it.each(['10x', '', 'm', '-5m', '1..2m', '5 mm'])('refuses %j', (raw) => {
    expect(refusal(() => parseBytes(raw, '-m/--memory'))).toMatch(/^Invalid value ".*" for -m\/--memory: .*\.$/);
  });
});

describe('cpu lists', () => {
  it('parses lists and ranges into a canonical form', () => {
    expect(parseCpuList('0-2,5,3', 'x')).toEqual([0, 1, 2, 3, 5]);
    expect(formatCpuList([0, 1, 2, 3, 5, 7, 8])).toBe('0-3,5,7-8');
  });
  it.each(['', 'a', '1-', '3-1', '0,,1', '-1'])('refuses %j', (raw) => {
    expect(refusal(() => parseCpuList(raw, '--cpuset-cpus'))).toContain('--cpuset-cpus');
  });
});

describe('parseResources', () => {
  it('gives no limits for no flags', () => {
    expect(parseResources({}, twoCpus)).toEqual({});
  });

  it('parses every flag', () => {
    expect(
      parseResources({ memory: '50m', memorySwap: '100m', cpuShares: '512', cpus: '1.5', cpusetCpus: '1,0', cpusetMems: '0', pidsLimit: '20' }, twoCpus),
    ).toEqual({
      memory: 50 * 1024 ** 2,
      memorySwap: 100 * 1024 ** 2,
      cpuShares: 512,
      cpuPeriod: 100000,
      cpuQuota: 150000,
      cpusetCpus: '0-1',
      cpusetMems: '0',
      pidsLimit: 20,
    });
  });

  it('reads -1 and 0 as no pids limit, and -1 as unlimited swap', () => {
    expect(parseResources({ pidsLimit: '-1' }, twoCpus).pidsLimit).toBe(-1);
    expect(parseResources({ pidsLimit: '0' }, twoCpus).pidsLimit).toBe(-1);
    expect(parseResources({ memory: '8m', memorySwap: '-1' }, twoCpus).memorySwap).toBe(-1);
  });

  it('parses --cpu-period, --cpu-quota, --memory-reservation and --blkio-weight; 0 leaves them unset', () => {
    expect(parseResources({ cpuPeriod: '50000', cpuQuota: '25000', memoryReservation: '32m', blkioWeight: '300' }, twoCpus)).toEqual({
      cpuPeriod: 50000,
      cpuQuota: 25000,
      memoryReservation: 32 * 1024 ** 2,
      blkioWeight: 300,
    });
    expect(parseResources({ cpuQuota: '-1' }, twoCpus)).toEqual({ cpuQuota: -1 });
    expect(parseResources({ cpuPeriod: '20000' }, twoCpus)).toEqual({ cpuPeriod: 20000, cpuQuota: -1 });
    expect(parseResources({ cpuPeriod: '0', cpuQuota: '0', memoryReservation: '0', blkioWeight: '0' }, twoCpus)).toEqual({});
    expect(parseResources({ memory: '64m', memoryReservation: '64m' }, twoCpus)).toEqual({ memory: 64 * 1024 ** 2, memoryReservation: 64 * 1024 ** 2 });
  });

  it('accepts --kernel-memory, ignored with a warning; discards --blkio-weight where the kernel has no weight', () => {
    const limits = parseResources({ kernelMemory: '50m', blkioWeight: '300' }, twoCpus);
    expect(limits).toEqual({ blkioWeight: 300 });
    const without = { supportsBlkioWeight: () => false };
    expect(discardUnsupported(limits, { kernelMemory: '50m' }, without)).toEqual([
      'WARNING: Specifying a kernel memory limit is deprecated and ignored; --kernel-memory has no effect.',
      'WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
    ]);
    expect(limits).toEqual({});
    const kept = { blkioWeight: 500 };
    expect(discardUnsupported(kept, {}, { supportsBlkioWeight: () => true })).toEqual([]);
    expect(kept).toEqual({ blkioWeight: 500 });
  });

  it('takes cpu shares 0 as the default weight', () => {
    expect(parseResources({ cpuShares: '0' }, twoCpus)).toEqual({});
  });

  it.each([
    [{ memory: '10x' }, /-m\/--memory/],
    [{ memory: '5m' }, /minimum memory limit is 6MB/],
    [{ memorySwap: '100m' }, /needs a memory limit/],
    [{ memory: '100m', memorySwap: '50m' }, /at least the -m\/--memory limit/],
    [{ cpuShares: 'lots' }, /--cpu-shares: expected a whole number/],
    [{ cpuShares: '1' }, /from 2 to 262144/],
    [{ cpus: '-1' }, /--cpus: use a number from 0.01 to 2, as this host has 2 CPUs/],
    [{ cpus: '3' }, /--cpus/],
    [{ cpus: '0' }, /--cpus/],
    [{ cpus: 'two' }, /--cpus/],
    [{ cpusetCpus: '99' }, /--cpuset-cpus: CPU 99 is not available on this host \(online: 0-1\)/],
    [{ cpusetCpus: '0-3' }, /CPU 2-3 are not available/],
    [{ cpusetMems: '1' }, /memory node 1 is not available/],
    [{ pidsLimit: '-5' }, /--pids-limit/],
    [{ pidsLimit: '2.5' }, /--pids-limit/],
    [{ cpuPeriod: '999' }, /--cpu-period: it can not be less than 1ms \(1000\) or larger than 1s \(1000000\)/],
    [{ cpuPeriod: '1000001' }, /--cpu-period/],
    [{ cpuQuota: '999' }, /--cpu-quota: it can not be less than 1ms/],
    [{ cpuQuota: '-2' }, /--cpu-quota/],
    [{ cpuQuota: 'half' }, /--cpu-quota: expected a whole number/],
    [{ cpus: '1', cpuPeriod: '50000' }, /Conflicting options: --cpus and --cpu-period cannot both be set/],
    [{ cpus: '1', cpuQuota: '50000' }, /--cpus and --cpu-quota/],
    [{ memoryReservation: '5m' }, /minimum memory reservation is 6MB/],
    [{ memoryReservation: 'lots' }, /--memory-reservation/],
    [{ memory: '32m', memoryReservation: '64m' }, /Minimum memory limit can not be less than memory reservation limit/],
    [{ blkioWeight: '5' }, /--blkio-weight: the range is from 10 to 1000/],
    [{ blkioWeight: '1001' }, /--blkio-weight/],
    [{ kernelMemory: 'big' }, /--kernel-memory/],
  ])('refuses %j with one sentence', (opts, pattern) => {
    const message = refusal(() => parseResources(opts, twoCpus));
    expect(message).toMatch(pattern);
    expect(message.trim().split(/\.\s+[A-Z]/)).toHaveLength(1);
  });
});

describe('sharesToWeight', () => {
  it('maps as runc and crun do', () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(512)).toBe(20);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(262144)).toBe(10000);
  });
});
