import { cgroupsOf, isMember, parseProcCgroup, selfJoinDirs } from '../membership';

const PROC_CGROUP = `9:name=systemd:/
8:pids:/mydocker/abc
4:memory:/mydocker/abc
2:cpu,cpuacct:/mydocker/abc
6:freezer:/
0::/
`;

describe('membership (/proc/PID/cgroup)', () => {
  it('maps every controller of a line, co-mounted ones too, and the v2 line as "unified"', () => {
    const m = parseProcCgroup(PROC_CGROUP);
    expect(m.get('pids')).toBe('/mydocker/abc');
    expect(m.get('cpu')).toBe('/mydocker/abc');
    expect(m.get('cpuacct')).toBe('/mydocker/abc');
    expect(m.get('freezer')).toBe('/');
    expect(m.get('name=systemd')).toBe('/');
    expect(m.get('unified')).toBe('/');
  });

  it('keeps a path that holds colons whole', () => {
    expect(parseProcCgroup('3:memory:/a:b\n').get('memory')).toBe('/a:b');
  });

  it('counts a process as in a directory only on an exact match below the mount', () => {
    const m = parseProcCgroup(PROC_CGROUP);
    expect(isMember(m, 'pids', '/sys/fs/cgroup/pids/mydocker/abc', '/sys/fs/cgroup/pids')).toBe(true);
    expect(isMember(m, 'cpu', '/sys/fs/cgroup/cpu,cpuacct/mydocker/abc', '/sys/fs/cgroup/cpu,cpuacct')).toBe(true);
    expect(isMember(m, 'freezer', '/sys/fs/cgroup/freezer/mydocker/abc', '/sys/fs/cgroup/freezer')).toBe(false);
    expect(isMember(m, 'pids', '/sys/fs/cgroup/pids/mydocker/abcd', '/sys/fs/cgroup/pids')).toBe(false);
    expect(isMember(m, 'blkio', '/sys/fs/cgroup/blkio/mydocker/abc', '/sys/fs/cgroup/blkio')).toBe(false);
    expect(isMember(m, 'pids', '/elsewhere/mydocker/abc', '/sys/fs/cgroup/pids')).toBe(false);
    expect(isMember(undefined, 'pids', '/sys/fs/cgroup/pids/mydocker/abc', '/sys/fs/cgroup/pids')).toBe(false);
  });

  it('reads a live process, and nothing for one that is gone', () => {
    expect(cgroupsOf(process.pid)?.size).toBeGreaterThan(0);
    expect(cgroupsOf(2 ** 22 + 1)).toBeUndefined();
  });
});

describe('selfJoinDirs', () => {
  it('gives each distinct v1 directory once, without the cgroup2 one of a hybrid host', () => {
    const paths = {
      memory: '/sys/fs/cgroup/memory/p/id',
      cpu: '/sys/fs/cgroup/cpu,cpuacct/p/id',
      cpuacct: '/sys/fs/cgroup/cpu,cpuacct/p/id',
      unified: '/sys/fs/cgroup/unified/p/id',
    };
    expect(selfJoinDirs(1, paths)).toEqual(['/sys/fs/cgroup/memory/p/id', '/sys/fs/cgroup/cpu,cpuacct/p/id']);
  });

  it('gives nothing on cgroup v2', () => {
    expect(selfJoinDirs(2, { unified: '/sys/fs/cgroup/p/id' })).toEqual([]);
  });
});
