import { UsageError } from '@mydocker/core';
import { givenResources, limitChanges, mergeResources, updateRequest } from '../update';

const MiB = 1024 * 1024;

describe('givenResources', () => {
  it('keeps the flags given, raw, under their RunSpec keys', () => {
    expect(givenResources({ memory: '300M', 'cpu-shares': '512', 'pids-limit': '-1', cpus: undefined })).toEqual({
      memory: '300M',
      cpuShares: '512',
      pidsLimit: '-1',
    });
  });
  it('refuses a flag given twice', () => {
    expect(() => givenResources({ memory: ['1g', '2g'] })).toThrow('--memory was given more than once: give it once.');
  });
});

describe('mergeResources', () => {
  it('puts the given flags over the record and checks the result as run does', () => {
    const { raw, limits } = mergeResources({ memory: '100m', cpuShares: '256' }, { cpuShares: '512' }, { memory: 100 * MiB, cpuShares: 256 });
    expect(raw).toEqual({ memory: '100m', cpuShares: '512' });
    expect(limits).toEqual({ memory: 100 * MiB, cpuShares: 512 });
    expect(() => mergeResources({ memory: '100m', memorySwap: '200m' }, { memorySwap: '50m' }, { memory: 100 * MiB, memorySwap: 200 * MiB })).toThrow(
      /at least the -m\/--memory limit/,
    );
    expect(() => mergeResources({}, { memorySwap: '1g' }, {})).toThrow('--memory-swap needs a memory limit');
  });

  it("keeps Docker's rule: a memory limit above an explicit memory+swap needs the swap updated too", () => {
    const prev = { memory: 100 * MiB, memorySwap: 200 * MiB };
    expect(() => mergeResources({ memory: '100m', memorySwap: '200m' }, { memory: '300m' }, prev)).toThrow(
      new UsageError('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time'),
    );
    expect(mergeResources({ memory: '100m', memorySwap: '200m' }, { memory: '150m' }, prev).limits).toEqual({ memory: 150 * MiB, memorySwap: 200 * MiB });
    expect(mergeResources({ memory: '100m', memorySwap: '200m' }, { memory: '300m', memorySwap: '600m' }, prev).limits).toEqual({
      memory: 300 * MiB,
      memorySwap: 600 * MiB,
    });
    // Unlimited swap (-1), or Docker's implied double of memory, has nothing to conflict with.
    expect(mergeResources({ memory: '100m', memorySwap: '-1' }, { memory: '300m' }, { memory: 100 * MiB, memorySwap: -1 }).limits).toEqual({
      memory: 300 * MiB,
      memorySwap: -1,
    });
    expect(mergeResources({ memory: '100m' }, { memory: '300m' }, { memory: 100 * MiB }).limits).toEqual({ memory: 300 * MiB });
  });
});

describe('update: the new flags', () => {
  it('keeps a 0 of --cpu-period, --cpu-quota, --memory-reservation, --blkio-weight as "unchanged", as Docker', () => {
    const { limits } = mergeResources({ cpuQuota: '50000', memoryReservation: '32m' }, { cpuQuota: '0', memoryReservation: '0', blkioWeight: '0' }, {});
    expect(limits).toEqual({ cpuQuota: 50000, memoryReservation: 32 * MiB });
  });
  it("refuses --cpus over --cpu-quota/--cpu-period and back, with Docker's sentences", () => {
    expect(() => mergeResources({ cpuQuota: '50000' }, { cpus: '1' }, {})).toThrow(
      'Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set',
    );
    expect(() => mergeResources({ cpus: '1' }, { cpuPeriod: '50000' }, {})).toThrow(
      'Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set',
    );
  });
  it('writes the reservation and the weight when they change; a reservation gone is -1', () => {
    expect(limitChanges({}, { memoryReservation: 32 * MiB, blkioWeight: 300 })).toEqual({ memoryReservation: 32 * MiB, blkioWeight: 300 });
    expect(limitChanges({ memoryReservation: 32 * MiB }, {})).toEqual({ memoryReservation: -1 });
  });
  it('takes --restart alone, checked before any container is looked at', () => {
    expect(updateRequest({ restart: 'on-failure:2' })).toEqual({ resources: {}, restart: 'on-failure:2' });
    expect(() => updateRequest({ restart: 'sometimes' })).toThrow("Invalid restart policy: unknown policy 'sometimes'");
    expect(() => updateRequest({ restart: ['no', 'always'] })).toThrow('--restart was given more than once');
    expect(() => updateRequest({})).toThrow(/You must provide one or more flags .* --restart\./);
    expect(() => updateRequest({ 'blkio-weight': '7' })).toThrow('--blkio-weight: the range is from 10 to 1000');
  });
});

describe('limitChanges', () => {
  it('names only what changes; memory and swap travel together', () => {
    expect(limitChanges({ memory: 100 * MiB, cpuShares: 512 }, { memory: 100 * MiB, cpuShares: 512 })).toEqual({});
    expect(limitChanges({ memory: 100 * MiB, memorySwap: 200 * MiB }, { memory: 150 * MiB, memorySwap: 200 * MiB })).toEqual({
      memory: 150 * MiB,
      memorySwap: 200 * MiB,
    });
    expect(limitChanges({}, { cpuQuota: 50000, cpuPeriod: 100000, pidsLimit: -1, cpusetCpus: '0' })).toEqual({
      cpuQuota: 50000,
      cpuPeriod: 100000,
      pidsLimit: -1,
      cpusetCpus: '0',
    });
  });
  it('writes the default weight back for --cpu-shares 0', () => {
    expect(limitChanges({ cpuShares: 512 }, {})).toEqual({ cpuShares: 1024 });
  });
});
