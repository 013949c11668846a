import { UsageError } from '@mydocker/core';
import { aufsMountOptions, overlayMountOptions } from '../drivers/mount-options';
import { filesystemSupported } from '../drivers/registrations';
import { classifyTarPath, opaqueTarPath, whiteoutTarPath } from '../images/whiteouts';
import { checkConfig, isValidReference, makeConfig, normalizeReference, toImageConfig } from '../images/oci-config';
import { parseOpaqueDump } from '../util/fs';
import { humanSize, timeAgo } from '../util/progress';
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

describe('whiteout names', () => {
  it('classifies tar entries', () => {
    expect(classifyTarPath('etc/.wh.passwd')).toEqual({ kind: 'whiteout', path: 'etc/passwd' });
    expect(classifyTarPath('./.wh.gone')).toEqual({ kind: 'whiteout', path: 'gone' });
    expect(classifyTarPath('var/lib/.wh..wh..opq')).toEqual({ kind: 'opaque', dir: 'var/lib' });
    expect(classifyTarPath('.wh..wh..opq')).toEqual({ kind: 'opaque', dir: '' });
    expect(classifyTarPath('.wh..wh.plnk/123')).toBeUndefined();
    expect(classifyTarPath('.wh..wh.aufs')).toEqual({ kind: 'meta' });
    expect(classifyTarPath('etc/passwd')).toBeUndefined();
    expect(classifyTarPath('etc/x.wh.y')).toBeUndefined();
  });
  it('writes them back', () => {
    expect(whiteoutTarPath('etc/passwd')).toBe('etc/.wh.passwd');
    expect(whiteoutTarPath('top')).toBe('.wh.top');
    expect(opaqueTarPath('a/b')).toBe('a/b/.wh..wh..opq');
    expect(opaqueTarPath('')).toBe('.wh..wh..opq');
  });
  it('parses getfattr dumps', () => {
    const dump = '# file: /l/a/b\ntrusted.overlay.opaque="y"\n\n# file: /l\ntrusted.overlay.opaque="y"\n\n# file: /l/c\ntrusted.overlay.opaque="n"\n';
    expect([...parseOpaqueDump(dump, '/l')].sort()).toEqual(['', 'a/b']);
  });
});

describe('image config', () => {
  it('normalizes references', () => {
    expect(normalizeReference('busybox')).toBe('busybox:latest');
    expect(normalizeReference('docker.io/library/busybox:1.36')).toBe('busybox:1.36');
    expect(normalizeReference('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(isValidReference('my-app/x_y:v1.0')).toBe(true);
    expect(isValidReference('Bad:latest')).toBe(false);
    expect(isValidReference('a b:latest')).toBe(false);
  });
  it('converts to the engine ImageConfig with defaults', () => {
    const oci = makeConfig({ diffIds: ['a'.repeat(64)], created: '2024-01-01T00:00:00Z', createdBy: 't', config: { Env: ['PATH=/bin'], Cmd: ['sh'] } });
    expect(oci.rootfs.diff_ids).toEqual([`sha256:${'a'.repeat(64)}`]);
    expect(toImageConfig(oci)).toEqual({ env: ['PATH=/bin'], cmd: ['sh'], entrypoint: [], workdir: '/', user: undefined });
    const child = makeConfig({ base: oci, diffIds: [...oci.rootfs.diff_ids, 'b'.repeat(64)], created: '2024-01-02T00:00:00Z', createdBy: 'commit' });
    expect(child.config?.Cmd).toEqual(['sh']);
    expect(child.history).toHaveLength(2);
    expect(() => checkConfig({ rootfs: { diff_ids: ['nope'] } }, 'x')).toThrow(/invalid layer digest/);
    expect(() => checkConfig({}, 'x')).toThrow(/no rootfs/);
  });
  it('formats sizes and ages', () => {
    expect(humanSize(999)).toBe('999B');
    expect(humanSize(1_234_567)).toBe('1.23MB');
    expect(timeAgo(new Date(Date.now() - 3 * 60_000).toISOString())).toBe('3 minutes ago');
    expect(timeAgo(new Date(Date.now() - 3600_000).toISOString())).toBe('An hour ago');
  });
});
