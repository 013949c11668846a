import { availableControllers, detectHierarchy, parseCgroupMounts } from '../detect';

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

const COMOUNTED = `25 20 0:22 / /sys/fs/cgroup/cpu,cpuacct rw shared:9 - cgroup cgroup rw,cpu,cpuacct
26 20 0:23 / /sys/fs/cgroup/memory rw shared:10 - cgroup cgroup rw,memory
`;

const UNIFIED = `22 20 0:20 / /proc rw - proc proc rw
29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

describe('detectHierarchy', () => {
  it('prefers v1 on a hybrid host, maps each controller to its mount and keeps the cgroup2 mount beside them', () => {
    const h = detectHierarchy(HYBRID, () => ['hugetlb']);
    expect(h).toEqual({
      version: 1,
      mounts: {
        cpu: '/sys/fs/cgroup/cpu',
        cpuacct: '/sys/fs/cgroup/cpuacct',
        cpuset: '/sys/fs/cgroup/cpuset',
        memory: '/sys/fs/cgroup/memory',
        pids: '/sys/fs/cgroup/pids',
        devices: '/sys/fs/cgroup/devices',
      },
      unified: '/sys/fs/cgroup/unified',
    });
    expect(availableControllers(h)).toEqual(['cpu', 'cpuacct', 'cpuset', 'devices', 'memory', 'pids']);
  });

  it('handles co-mounted controllers (optional fields before the separator)', () => {
    expect(detectHierarchy(COMOUNTED)).toEqual({
      version: 1,
      mounts: { cpu: '/sys/fs/cgroup/cpu,cpuacct', cpuacct: '/sys/fs/cgroup/cpu,cpuacct', memory: '/sys/fs/cgroup/memory' },
    });
  });

  it('uses the unified hierarchy when no v1 controller is mounted', () => {
    const h = detectHierarchy(UNIFIED, (root) => (root === '/sys/fs/cgroup' ? ['cpuset', 'cpu', 'memory', 'pids'] : []));
    expect(h).toEqual({ version: 2, root: '/sys/fs/cgroup', controllers: ['cpuset', 'cpu', 'memory', 'pids'] });
  });

  it('takes the v1 freezer and blkio of a v1 host, but they alone do not make a v2 host v1', () => {
    const withFreezer = `${HYBRID}42 31 0:39 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n43 31 0:40 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n`;
    const h = detectHierarchy(withFreezer, () => []);
    expect(h.version === 1 && h.mounts.freezer).toBe('/sys/fs/cgroup/freezer');
    expect(h.version === 1 && h.mounts.blkio).toBe('/sys/fs/cgroup/blkio');
    const v2WithV1Freezer = `${UNIFIED}42 31 0:39 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n`;
    expect(detectHierarchy(v2WithV1Freezer, () => ['memory'])).toEqual({ version: 2, root: '/sys/fs/cgroup', controllers: ['memory'] });
  });

  it('reports no hierarchy when nothing is mounted', () => {
    expect(detectHierarchy('22 20 0:20 / /proc rw - proc proc rw\n')).toEqual({ version: 0 });
  });

  it('unescapes mount points', () => {
    expect(parseCgroupMounts('1 2 0:3 / /a\\040b rw - cgroup2 cgroup2 rw')[0].mountPoint).toBe('/a b');
  });
});
