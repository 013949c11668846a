import { UsageError } from '@mydocker/core';
import { hostDevices, isDeviceAccess, parseDeviceRequest, resolveDeviceRequest, resolveDevices, splitDev } from '../devices';
import { deviceEntry } from '../launch-config';
import { resolveUser } from '../command-resolution';

describe('--device parsing (Docker CLI rules)', () => {
  it('HOST alone, HOST:PERMS, HOST:CONTAINER and HOST:CONTAINER:PERMS', () => {
    expect(parseDeviceRequest('/dev/fuse')).toEqual({ host: '/dev/fuse', container: '/dev/fuse', access: 'rwm' });
    expect(parseDeviceRequest('/dev/fuse:r')).toEqual({ host: '/dev/fuse', container: '/dev/fuse', access: 'r' });
    expect(parseDeviceRequest('/dev/fuse:/dev/f')).toEqual({ host: '/dev/fuse', container: '/dev/f', access: 'rwm' });
    expect(parseDeviceRequest('/dev/fuse:/dev//x/../f:mw')).toEqual({ host: '/dev/fuse', container: '/dev/f', access: 'mw' });
  });

  it('refuses what Docker refuses, with its reasons', () => {
    expect(() => parseDeviceRequest('')).toThrow(/bad format for path/);
    expect(() => parseDeviceRequest(':/dev/x')).toThrow(/bad format for path/);
    expect(() => parseDeviceRequest('/a:/b:r:w')).toThrow(/bad format for path/);
    expect(() => parseDeviceRequest('/a:/b:rwx')).toThrow(/bad mode specified: rwx/);
    expect(() => parseDeviceRequest('/a:/b:rr')).toThrow(/bad mode specified: rr/);
    expect(() => parseDeviceRequest('/a:b')).toThrow(/b is not an absolute path/);
    expect(() => parseDeviceRequest('/a:b')).toThrow(UsageError);
  });

  it('permissions are r, w and m, each at most once', () => {
    expect(['r', 'w', 'm', 'rwm', 'mr'].every(isDeviceAccess)).toBe(true);
    expect(['', 'x', 'rr', 'rwmr'].some(isDeviceAccess)).toBe(false);
  });
});

describe('device resolution against the host', () => {
  it('splits dev_t as glibc does, including large majors and minors', () => {
    expect(splitDev(0x10bn)).toEqual({ major: 1, minor: 11 });
    const makedev = (ma: bigint, mi: bigint) => ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
    expect(splitDev(makedev(0x1234fen, 0xabc45n))).toEqual({ major: 0x1234fe, minor: 0xabc45 });
  });

  it('stats the host node: type, numbers, mode and owner', () => {
    expect(resolveDeviceRequest({ host: '/dev/null', container: '/dev/n', access: 'r' })).toEqual([
      { path: '/dev/n', type: 'c', major: 1, minor: 3, access: 'r', fileMode: 0o666, uid: 0, gid: 0 },
    ]);
  });

  it('refuses a missing path and a file that is not a device', () => {
    expect(() => resolveDeviceRequest({ host: '/no/such/dev', container: '/dev/x', access: 'rwm' })).toThrow(/"\/no\/such\/dev": no such file or directory/);
    expect(() => resolveDeviceRequest({ host: '/etc/hostname', container: '/dev/x', access: 'rwm' })).toThrow(/not a device node/);
  });

  it('privileged takes the host devices, not the default nodes, ptmx, console or pts', () => {
    const all = hostDevices();
    const paths = all.map((d) => d.path);
    expect(paths).toContain('/dev/kmsg');
    for (const p of ['/dev/null', '/dev/zero', '/dev/tty', '/dev/ptmx', '/dev/console']) expect(paths).not.toContain(p);
    expect(paths.some((p) => p.startsWith('/dev/pts/'))).toBe(false);
    // An explicit --device for the same path wins over the privileged copy.
    const merged = resolveDevices(['/dev/kmsg:/dev/kmsg:r'], true);
    expect(merged.filter((d) => d.path === '/dev/kmsg')).toEqual([expect.objectContaining({ access: 'r' })]);
    expect(resolveDevices([], false)).toEqual([]);
  });

  it('is sent to the helper as one \\x1f-separated entry, mode in octal', () => {
    expect(deviceEntry({ path: '/dev/n', type: 'c', major: 1, minor: 3, access: 'r', fileMode: 0o620, uid: 0, gid: 5 })).toEqual([
      'device',
      ['/dev/n', 'c', '1', '3', '620', '0', '5'].join('\x1f'),
    ]);
    expect(() => deviceEntry({ path: 'dev/n', type: 'c', major: 1, minor: 3, access: 'r', fileMode: 0o620, uid: 0, gid: 5 })).toThrow(UsageError);
  });
});

describe('user ids', () => {
  it('refuses numbers past 2147483647 as runc does, in the user and the group', () => {
    expect(resolveUser({ user: '2147483647:2147483647' })).toBe('2147483647:2147483647');
    for (const user of ['2147483648', '99999999999', '0:4294967296', 'nobody:99999999999999999999999']) {
      expect(() => resolveUser({ user })).toThrow(/uids and gids must be in range 0-2147483647/);
    }
    expect(resolveUser({ user: 'nobody:nogroup' })).toBe('nobody:nogroup');
  });
});
