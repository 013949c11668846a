import { UsageError } from '@mydocker/core';
import { aufsMountOptions, overlayMountOptions } from '../drivers/mount-options';
import { volatileSupported } from '../drivers/overlay';
import { filesystemSupported } from '../drivers/registrations';
import { parseOpaqueDump } from '../util/fs';
import { parseVolumeSpec, parseVolumeSpecs } from '../volumes/volume-spec';

describe('mount options', () => {
  it('overlay lists the top layer first', () => {
    expect(overlayMountOptions(['lower/0', 'lower/1', 'lower/2'], 'diff', 'work')).toBe('lowerdir=lower/2:lower/1:lower/0,upperdir=diff,workdir=work');
  });
  it('aufs puts the writable branch first and marks the others ro+wh', () => {
    expect(aufsMountOptions(['lower/0', 'lower/1'], 'diff')).toBe('br:diff=rw:lower/1=ro+wh:lower/0=ro+wh');
  });
  it('refuses paths that would split the option string', () => {
    expect(() => overlayMountOptions(['a:b'], 'diff', 'work')).toThrow(/unsupported path/);
    expect(() => aufsMountOptions(['x'], 'di,ff')).toThrow(/unsupported path/);
    expect(() => overlayMountOptions([], 'diff', 'work')).toThrow(/at least one/);
  });
  it("knows which kernels have overlay's volatile option (5.10+)", () => {
    expect(volatileSupported('5.10.0-28-amd64')).toBe(true);
    expect(volatileSupported('6.1.0')).toBe(true);
    expect(volatileSupported('5.4.0-150-generic')).toBe(false);
    expect(volatileSupported('4.19.0')).toBe(false);
  });
  it('reads /proc/filesystems lines', () => {
    const table = 'nodev\tsysfs\nnodev\toverlay\n\text4\n';
    expect(filesystemSupported('overlay', table)).toBe(true);
    expect(filesystemSupported('ext4', table)).toBe(true);
    expect(filesystemSupported('aufs', table)).toBe(false);
  });
});

describe('-v parsing', () => {
  it('reads the three forms', () => {
    expect(parseVolumeSpec('/host/dir:/data')).toEqual({ kind: 'bind', source: '/host/dir', destination: '/data', readOnly: false });
    expect(parseVolumeSpec('/host/dir/:/data/:ro')).toEqual({ kind: 'bind', source: '/host/dir', destination: '/data', readOnly: true });
    expect(parseVolumeSpec('cache:/var/cache:rw')).toEqual({ kind: 'named', name: 'cache', destination: '/var/cache', readOnly: false });
    expect(parseVolumeSpec('/scratch')).toEqual({ kind: 'anonymous', destination: '/scratch', readOnly: false });
  });
  it.each([
    ['', /Invalid volume ""/],
    ['   ', /Invalid volume/],
    ['relative', /must be absolute/],
    ['/host:relative', /must be absolute/],
    ['/host:/ctr:rw:ro', /too many/],
    ['/host:/ctr:rx', /mode "rx"/],
    ['/host::/ctr', /empty field/],
    ['./x:/ctr', /neither an absolute host path nor a volume name/],
    ['/host:/', /cannot be "\/"/],
  ])('refuses %j with one sentence', (spec, message) => {
    let error: unknown;
    try {
      parseVolumeSpec(spec);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(125);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message.split('. ').length).toBe(1);
  });
  it('refuses two volumes on one path', () => {
    expect(() => parseVolumeSpecs(['/a:/data', 'v:/data/'])).toThrow(/Duplicate mount point: \/data/);
    expect(parseVolumeSpecs(['/a:/x', 'v:/y', '/z'])).toHaveLength(3);
  });
});

describe('overlay opaque marks', () => {
  it('parses getfattr dumps', () => {
    const dump = '# file: /l/a/b\ntrusted.overlay.opaque="y"\n\n# file: /l\ntrusted.overlay.opaque="y"\n\n# file: /l/c\ntrusted.overlay.opaque="n"\n';
    expect([...parseOpaqueDump(dump, '/l')].sort()).toEqual(['', 'a/b']);
  });
});
