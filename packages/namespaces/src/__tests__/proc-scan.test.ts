import { cgroupLinesName, innermostPid } from '../proc-scan';

describe('finding a container from its id', () => {
  const id = 'a'.repeat(64);

  it('matches the id only as a whole cgroup path component', () => {
    expect(cgroupLinesName(`12:memory:/mydocker/${id}\n0::/\n`, id)).toBe(true);
    expect(cgroupLinesName(`1:name=systemd:/x/${id}/sub\n`, id)).toBe(true);
    expect(cgroupLinesName(`12:memory:/mydocker/${id}x\n`, id)).toBe(false);
    expect(cgroupLinesName(`12:memory:/mydocker/other\n`, id)).toBe(false);
  });

  it("reads the innermost PID from NSpid: 1 is a namespace's init", () => {
    expect(innermostPid('Name:\tsleep\nNSpid:\t4242\t1\n')).toBe(1);
    expect(innermostPid('NSpid:\t4242\n')).toBe(4242);
    expect(innermostPid('Name:\tx\n')).toBeUndefined();
  });
});
