import { UsageError } from '@mydocker/core';
import { formatCpuList, parseBytes, parseCpuList, parseResources, sharesToWeight, type HostFacts } from '../parse';

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
