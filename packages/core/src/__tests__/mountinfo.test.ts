import { parseMountInfo, readMountInfo, unescapeMountField } from '../mountinfo';

const SAMPLE = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro',
  '30 22 0:26 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,memory',
  '31 22 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate',
  '40 22 0:50 / /var/lib/my\\040root/merged rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w',
  '',
  'not a mountinfo line',
].join('\n');

describe('mountinfo', () => {
  it('reads the mount point, options, type, source and super options of each line', () => {
    expect(parseMountInfo(SAMPLE)).toEqual([
      { mountPoint: '/', mountOptions: ['rw', 'relatime'], fstype: 'ext4', source: '/dev/sda1', superOptions: ['rw', 'errors=remount-ro'] },
      {
        mountPoint: '/sys/fs/cgroup/memory',
        mountOptions: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime'],
        fstype: 'cgroup',
        source: 'cgroup',
        superOptions: ['rw', 'memory'],
      },
      { mountPoint: '/sys/fs/cgroup/unified', mountOptions: ['rw', 'nosuid'], fstype: 'cgroup2', source: 'cgroup2', superOptions: ['rw', 'nsdelegate'] },
      {
        mountPoint: '/var/lib/my root/merged',
        mountOptions: ['rw', 'relatime'],
        fstype: 'overlay',
        source: 'overlay',
        superOptions: ['rw', 'lowerdir=/l', 'upperdir=/u', 'workdir=/w'],
      },
    ]);
  });

  it('splits at the separator whatever the number of optional fields', () => {
    const [m] = parseMountInfo('50 22 0:60 / /mnt rw shared:3 master:2 unbindable - tmpfs tmpfs rw');
    expect([m.mountPoint, m.fstype]).toEqual(['/mnt', 'tmpfs']);
  });

  it('decodes the octal escapes the kernel writes for space, tab, newline and backslash', () => {
    expect(unescapeMountField('/a\\040b\\011c\\012d\\134e')).toBe('/a b\tc\nd\\e');
  });

  it('reads this process mounts', () => {
    expect(readMountInfo().some((m) => m.mountPoint === '/')).toBe(true);
  });
});
