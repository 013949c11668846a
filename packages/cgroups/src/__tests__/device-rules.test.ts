import type { DeviceSpec } from '@mydocker/core';
import { DEFAULT_DEVICE_RULES, deviceRules, describeRule, formatRule, normalizeAccess, parseRule } from '../devices/rules';

const node = (o: Partial<DeviceSpec>): DeviceSpec => ({ path: '/dev/x', type: 'c', major: 1, minor: 11, access: 'rwm', fileMode: 0o666, uid: 0, gid: 0, ...o });

describe('deviceRules', () => {
  it("starts from deny-all and Docker's default allow list, as cgroup v1 lines", () => {
    expect(deviceRules([], false).map(formatRule)).toEqual([
      'a',
      'c *:* m',
      'b *:* m',
      'c 1:3 rwm',
      'c 1:5 rwm',
      'c 1:7 rwm',
      'c 1:8 rwm',
      'c 1:9 rwm',
      'c 5:0 rwm',
      'c 5:2 rwm',
      'c 136:* rwm',
      'c 10:200 rwm',
    ]);
    expect(deviceRules(undefined, false)[0]).toEqual({ type: 'a', major: '*', minor: '*', access: 'rwm', allow: false });
    expect(deviceRules([], false).slice(1)).toEqual(DEFAULT_DEVICE_RULES);
  });

  it('never allows read or write of the devices a container must not reach (kmsg, mem, port, disks, fuse, loop, tty1, the host console)', () => {
    const allowsOpen = (type: string, major: number, minor: number) =>
      deviceRules([], false).some(
        (r) =>
          r.allow &&
          (r.type === type || r.type === 'a') &&
          (r.major === '*' || r.major === major) &&
          (r.minor === '*' || r.minor === minor) &&
          /[rw]/.test(r.access),
      );
    for (const [type, major, minor] of [
      ['c', 1, 11],
      ['c', 1, 1],
      ['c', 1, 4],
      ['b', 8, 0],
      ['c', 10, 229],
      ['c', 10, 237],
      ['b', 7, 0],
      ['c', 4, 1],
      ['c', 5, 1],
    ] as const) {
      expect([type, major, minor, allowsOpen(type, major, minor)]).toEqual([type, major, minor, false]);
    }
  });

  it('adds one rule per --device node, after the defaults so that it wins, with its access normalised', () => {
    const rules = deviceRules([node({ access: 'wr' }), node({ type: 'b', major: 7, minor: 0, access: 'r' })], false);
    expect(rules.slice(-2).map(formatRule)).toEqual(['c 1:11 rw', 'b 7:0 r']);
    expect(rules.slice(-2).every((r) => r.allow)).toBe(true);
  });

  it('--privileged allows every device', () => {
    expect(deviceRules([node({})], true).map(describeRule)).toEqual(['allow a']);
  });

  it.each([
    [node({ access: 'rx' }), /Invalid device access "rx" for the device \/dev\/x: use a combination of r, w and m\./],
    [node({ access: '' }), /Invalid device access ""/],
    [node({ type: 'p' as 'c' }), /Invalid device type "p"/],
    [node({ major: -1 }), /Invalid device number -1:11/],
    [node({ minor: 0x100000 }), /Invalid device number 1:1048576/],
    [node({ major: 1.5 }), /Invalid device number/],
  ])('refuses a malformed device %#', (d, message) => {
    expect(() => deviceRules([d], false)).toThrow(message);
  });

  it('reads back what it writes into the record', () => {
    for (const r of deviceRules([node({ access: 'r' })], false)) expect(parseRule(describeRule(r))).toEqual(r);
    expect(parseRule('allow a')).toEqual({ type: 'a', major: '*', minor: '*', access: 'rwm', allow: true });
    expect(() => parseRule('allow c 1:3')).toThrow(/Invalid device cgroup rule/);
  });

  it('normalises access to r, w, m order without repeats', () => {
    expect(normalizeAccess('mwrw', 'x')).toBe('rwm');
    expect(normalizeAccess('m', 'x')).toBe('m');
  });
});
