import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../args';
import { cgroupLocation } from '../engine';
import { createEntries, processEntries } from '../launch-entries';
import { MS, parseMountOptions } from '../mount-options';
import { cgroupRequest } from '../resources';
import { seccompEntries } from '../seccomp';
import { parseSignal } from '../commands';
import type { OciSpec } from '../spec-types';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- config.json fixtures that each case patches freely
type ParsedJson = Record<string, any>;

const bundle = mkdtempSync(join(tmpdir(), 'oci-unit-'));
mkdirSync(join(bundle, 'rootfs'));
const spec = (patch: (s: ParsedJson) => void = () => undefined): OciSpec => {
  const s: ParsedJson = {
    ociVersion: '1.0.2',
    process: { user: { uid: 0, gid: 0 }, args: ['true'], cwd: '/' },
    root: { path: 'rootfs' },
    mounts: [],
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] },
  };
  patch(s);
  // A fixture the cases patch freely; readSpec would check the same shape at run time.
  return s as OciSpec;
};

describe('command line', () => {
  test('runc spellings: --x v, --x=v, -x v, booleans, positional stop', () => {
    const p = parseArgs(
      ['--bundle=/b', '-pid-file', '/p', '--no-pivot', 'id', '--later'],
      [
        { names: ['bundle', 'b'], value: true },
        { names: ['pid-file'], value: true },
        { names: ['no-pivot'], value: false },
      ],
    );
    expect(p).toEqual({ flags: { bundle: '/b', 'pid-file': '/p', 'no-pivot': true }, rest: ['id', '--later'] });
    expect(() => parseArgs(['--nope'], [])).toThrow('The flag --nope is not known');
  });
  test('signals by name, SIG name or number', () => {
    expect(parseSignal('KILL')).toBe(9);
    expect(parseSignal('SIGTERM')).toBe(15);
    expect(parseSignal('10')).toBe(10);
    expect(() => parseSignal('NOPE')).toThrow('not known');
  });
  test('cgroupsPath', () => {
    expect(cgroupLocation('/default/abc', 'abc')).toEqual({ parent: 'default', name: 'abc' });
    expect(cgroupLocation(undefined, 'x')).toEqual({ parent: 'mydocker-oci', name: 'x' });
    expect(() => cgroupLocation('system.slice:a:b', 'x')).toThrow('systemd');
    expect(() => cgroupLocation('/a/../b', 'x')).toThrow('not valid');
  });
});

describe('mount options', () => {
  test('flags, propagation and data', () => {
    expect(parseMountOptions(['rbind', 'ro', 'nosuid', 'rslave', 'size=1m'], 'm')).toEqual({
      flags: MS.BIND | MS.REC | MS.RDONLY | MS.NOSUID,
      propagation: MS.SLAVE | MS.REC,
      data: 'size=1m',
      ignored: [],
    });
    expect(parseMountOptions(['ro', 'rw'], 'm').flags).toBe(0);
    expect(parseMountOptions(['tmpcopyup'], 'm').ignored).toEqual(['tmpcopyup']);
    expect(() => parseMountOptions(['rro'], 'm')).toThrow('recursive');
  });
});

describe('seccomp', () => {
  test('actions, errno, arguments as unsigned 64-bit', () => {
    const e = seccompEntries({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [{ names: ['kill', 'tkill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: -1, op: 'SCMP_CMP_NE' }] }],
    });
    expect(e).toEqual([
      ['sc_default', '50026'],
      ['sc_arch', 'x86_64'],
      ['sc_rule', 'kill\x1f7fff0000\x1f1:1:18446744073709551615:0'],
      ['sc_rule', 'tkill\x1f7fff0000\x1f1:1:18446744073709551615:0'],
    ]);
    expect(() => seccompEntries({ defaultAction: 'SCMP_ACT_NOTIFY' })).toThrow('listener');
    expect(() =>
      seccompEntries({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['x'], action: 'SCMP_ACT_ALLOW', args: [{ index: 7, value: 0, op: 'SCMP_CMP_EQ' }] }],
      }),
    ).toThrow('0 to 5');
  });
});

describe('config.json', () => {
  test('a minimal bundle becomes a launch config', () => {
    const plan = createEntries(spec(), bundle);
    expect(plan.rootfs).toBe(join(bundle, 'rootfs'));
    expect(plan.entries).toContainEqual(['ns', 'mount\x1f']);
    expect(plan.entries).toContainEqual(['arg', 'true']);
    expect(plan.newNamespaces).toEqual(['mount', 'pid']);
  });
  test.each([
    ['no mount namespace', (s: ParsedJson) => (s.linux.namespaces = [{ type: 'pid' }]), 'new mount namespace'],
    ['user namespace without mappings', (s: ParsedJson) => s.linux.namespaces.push({ type: 'user' }), 'uidMappings'],
    ['hostname without uts', (s: ParsedJson) => (s.hostname = 'h'), 'uts'],
    ['non-namespaced sysctl', (s: ParsedJson) => (s.linux.sysctl = { 'vm.swappiness': '1' }), 'not namespaced'],
    ['net sysctl without a network namespace', (s: ParsedJson) => (s.linux.sysctl = { 'net.ipv4.ip_forward': '1' }), 'network namespace'],
    ['relative mount destination', (s: ParsedJson) => s.mounts.push({ destination: 'x', type: 'tmpfs' }), 'absolute'],
    ['unknown rlimit', (s: ParsedJson) => (s.process.rlimits = [{ type: 'RLIMIT_NOPE', soft: 1, hard: 1 }]), 'RLIMIT_NOPE'],
    ['soft above hard', (s: ParsedJson) => (s.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 2, hard: 1 }]), 'soft'],
    ['oomScoreAdj out of range', (s: ParsedJson) => (s.process.oomScoreAdj = 2000), 'oomScoreAdj'],
    ['ociVersion 2', (s: ParsedJson) => (s.ociVersion = '2.0.0'), 'ociVersion'],
    ['FIFO device', (s: ParsedJson) => (s.linux.devices = [{ path: '/dev/f', type: 'p' }]), 'FIFO'],
  ])('refuses %s', (_name, patch, message) => {
    expect(() => createEntries(spec(patch), bundle)).toThrow(message);
  });
  test('rootfsPropagation: unset leaves the helper its rslave default; a value is passed as mount flags; unknown is refused', () => {
    const keyed = (patch?: (s: ParsedJson) => void) => createEntries(spec(patch), bundle).entries.filter(([k]) => k === 'root_propagation');
    expect(keyed()).toEqual([]);
    expect(keyed((s) => (s.linux.rootfsPropagation = 'rprivate'))).toEqual([['root_propagation', (0x40000 | 0x4000).toString(16)]]);
    expect(keyed((s) => (s.linux.rootfsPropagation = 'shared'))).toEqual([['root_propagation', (0x100000).toString(16)]]);
    expect(() => keyed((s) => (s.linux.rootfsPropagation = 'sideways'))).toThrow('rootfsPropagation');
  });
  test('apparmor and selinux are warned about, not refused', () => {
    const warnings: string[] = [];
    processEntries({ user: { uid: 0, gid: 0 }, args: ['x'], cwd: '/', apparmorProfile: 'p', selinuxLabel: 'l' }, warnings);
    expect(warnings).toHaveLength(2);
  });
});

describe('resources', () => {
  test('limits in v1 units, device rules with the defaults appended', () => {
    const r = cgroupRequest({
      memory: { limit: 100, swap: 200, reservation: 5 },
      cpu: { quota: 50000, shares: 512 },
      pids: { limit: -1 },
      devices: [{ allow: false, access: 'rwm' }],
    });
    expect(r.limits).toEqual({ memory: 100, memorySwap: 200, cpuShares: 512, cpuQuota: 50000, cpuPeriod: 100000, pidsLimit: -1 });
    expect(r.warnings).toEqual(['linux.resources.memory.reservation is ignored by mydocker-oci.']);
    expect(r.devices![0]).toEqual({ type: 'a', major: '*', minor: '*', access: 'rwm', allow: false });
    expect(r.devices).toContainEqual({ type: 'c', major: 1, minor: 3, access: 'rwm', allow: true });
    expect(cgroupRequest({}).devices).toBeUndefined();
    expect(() => cgroupRequest({ memory: { limit: 100, swap: 50 } })).toThrow('swap');
  });
});
