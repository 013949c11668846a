import { isOrphanScratch, scratchName } from '@mydocker/core';
import { forbiddenDestination, parseVolumeSpec } from '../volumes/volume-spec';
import { isNoSpace } from '../util/no-space';

describe('volume destinations Docker and runc refuse', () => {
  it.each([
    '/proc',
    '/proc/',
    '/proc/sys',
    '/proc/self/fd',
    '/proc/1/root',
    '/proc/sysrq-trigger',
    '/sys/firmware',
    '/sys/firmware/efi',
    '/sys/devices/virtual/powercap',
  ])('refuses %s', (dest) => {
    expect(() => parseVolumeSpec(`/tmp:${dest}`)).toThrow(/cannot be mounted/);
    expect(() => parseVolumeSpec(`named:${dest}`)).toThrow(/cannot be mounted/);
    expect(() => parseVolumeSpec(dest)).toThrow(/cannot be mounted/);
  });

  it.each(['/proc/cpuinfo', '/proc/meminfo', '/proc/uptime', '/sys', '/dev', '/dev/shm', '/procfoo', '/data/proc'])(
    'allows %s (lxcfs files, /sys, /dev, look-alikes)',
    (dest) => {
      expect(forbiddenDestination(parseVolumeSpec(`/tmp:${dest}`).destination)).toBeUndefined();
    },
  );

  it('still refuses "/"', () => {
    expect(() => parseVolumeSpec('/tmp:/')).toThrow(/cannot be "\/"/);
  });
});

describe('scratch ownership', () => {
  it('a scratch of this live process is not an orphan; one of a gone process or an old name is', () => {
    expect(isOrphanScratch(scratchName('.tmp-'), '.tmp-')).toBe(false);
    expect(isOrphanScratch(scratchName('load-'), '')).toBe(false);
    expect(isOrphanScratch('.tmp-999999999-1-0123456789ab', '.tmp-')).toBe(true);
    expect(isOrphanScratch(`load-${process.pid}-1-0123456789ab`, '')).toBe(true);
    expect(isOrphanScratch('.tmp-0123456789abcdef', '.tmp-')).toBe(true);
    expect(isOrphanScratch('0123456789abcdef', '.tmp-')).toBe(false);
  });
});

describe('full disk detection', () => {
  it('knows ENOSPC from Node and from a tool', () => {
    expect(isNoSpace(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBe(true);
    expect(isNoSpace(new Error("cp -a a b: cp: error writing 'b/x': No space left on device"))).toBe(true);
    expect(isNoSpace(new Error('EACCES'))).toBe(false);
  });
});
