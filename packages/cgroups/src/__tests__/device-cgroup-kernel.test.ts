import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { detectHostHierarchy, readV2Controllers } from '../detect';
import { deviceRules } from '../devices/rules';
import { countDevicePrograms, countLoadedDevicePrograms } from '../devices/tool';
import { sleep } from '@mydocker/core';
import type { CgroupManager } from '../manager';
import { V1Manager } from '../v1/manager';
import { V2Manager } from '../v2/manager';

/**
 * The device rules against the real kernel, as root: a process moved into the container's cgroup (before
 * it runs its probe, as the container's PID 1 is) tries /dev/null and /dev/kmsg. This host is hybrid, so
 * the v2 program is exercised for real on the cgroup2 mount beside the v1 hierarchies.
 */
const host = detectHostHierarchy();
const root = process.getuid?.() === 0;
const v1Mounts = host.version === 1 ? host.mounts : {};
const unified = host.version === 1 ? host.unified : host.version === 2 ? host.root : undefined;
const describeV1Devices = root && v1Mounts.devices ? describe : describe.skip;
const describeUnified = root && unified ? describe : describe.skip;

const parent = `mydocker-unit-dev-${randomBytes(4).toString('hex')}`;
const newId = () => randomBytes(32).toString('hex');
/** What the last probe tried to write to the host's kernel log. */
let KMSG_MARK = '';

/**
 * Starts a shell that waits on stdin, joins it to `manager`'s cgroup, then lets it probe. Opening /dev/kmsg
 * for writing needs no privilege beyond the device cgroup, so a granted write would land in the host's log.
 */
async function probe(manager: CgroupManager): Promise<string> {
  KMSG_MARK = `mydocker-unit-${randomBytes(4).toString('hex')}`;
  const script = [
    'read go',
    'head -c 1 /dev/zero >/dev/null 2>&1 && echo zero=ok || echo zero=denied',
    'echo x 2>/dev/null >/dev/null && echo null=ok || echo null=denied',
    `(echo ${KMSG_MARK} >/dev/kmsg) 2>/dev/null && echo kmsg=ok || echo kmsg=denied`,
  ].join('\n');
  const child = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d) => (out += d));
  const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
  try {
    manager.addProcess(child.pid!);
  } finally {
    child.stdin!.end('go\n');
  }
  await done;
  return out.trim().split('\n').sort().join(' ');
}

/** Reading /dev/kmsg itself blocks for new messages; dmesg prints the buffer and exits. */
const hostLogHasMark = () => (spawnSync('dmesg', { encoding: 'utf8' }).stdout ?? '').includes(KMSG_MARK);

describeV1Devices('cgroup v1 devices controller', () => {
  it('default rules: /dev/null and /dev/zero open, /dev/kmsg is refused; the cgroup goes at destroy', async () => {
    const m = new V1Manager(v1Mounts, parent, newId());
    await m.create({}, deviceRules([], false));
    try {
      expect(readFileSync(`${m.paths.devices}/devices.list`, 'utf8')).not.toContain('a *:* rwm');
      expect(readFileSync(`${m.paths.devices}/devices.list`, 'utf8')).toContain('c 136:* rwm');
      expect(await probe(m)).toBe('kmsg=denied null=ok zero=ok');
    } finally {
      await m.destroy();
    }
    expect(Object.values(m.paths).filter(existsSync)).toEqual([]);
  });

  it('a --device rule grants exactly that node; privileged grants all', async () => {
    const kmsg = new V1Manager(v1Mounts, parent, newId());
    await kmsg.create({}, deviceRules([{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11, access: 'w', fileMode: 0o600, uid: 0, gid: 0 }], false));
    const all = new V1Manager(v1Mounts, parent, newId());
    await all.create({}, deviceRules([], true));
    try {
      expect(readFileSync(`${kmsg.paths.devices}/devices.list`, 'utf8')).toContain('c 1:11 w');
      expect(await probe(kmsg)).toBe('kmsg=ok null=ok zero=ok');
      expect(hostLogHasMark()).toBe(true);
      expect(readFileSync(`${all.paths.devices}/devices.list`, 'utf8').trim()).toBe('a *:* rwm');
      expect(await probe(all)).toBe('kmsg=ok null=ok zero=ok');
    } finally {
      await kmsg.destroy();
      await all.destroy();
    }
  });

  afterAll(() => expect(existsSync(`${v1Mounts.devices}/${parent}`)).toBe(false));
});

/** The kernel frees a removed cgroup's programs shortly after, from a work queue. */
async function loadedSettles(expected: number): Promise<number> {
  let n = countLoadedDevicePrograms();
  for (const deadline = Date.now() + 5000; n !== expected && Date.now() < deadline; n = countLoadedDevicePrograms()) await sleep(50);
  return n;
}

describeUnified(`cgroup v2 device program (on ${unified})`, () => {
  let baseline = 0;
  beforeAll(() => {
    baseline = countLoadedDevicePrograms();
  });

  it('the program denies /dev/kmsg and allows /dev/null; removing the cgroup takes the program with it', async () => {
    const m = new V2Manager(unified!, readV2Controllers(unified!), parent, newId());
    await m.create({}, deviceRules([], false));
    try {
      expect(countDevicePrograms(m.paths.unified)).toBe(1);
      expect(countLoadedDevicePrograms()).toBe(baseline + 1);
      // Attaching again replaces the program: still one attached, and the old one is freed.
      await m.create({}, deviceRules([], false));
      expect(countDevicePrograms(m.paths.unified)).toBe(1);
      expect(await loadedSettles(baseline + 1)).toBe(baseline + 1);
      expect(await probe(m)).toBe('kmsg=denied null=ok zero=ok');
      expect(hostLogHasMark()).toBe(false);
    } finally {
      await m.destroy();
    }
    expect(existsSync(m.paths.unified)).toBe(false);
    expect(existsSync(`${unified}/${parent}`)).toBe(false);
    expect(await loadedSettles(baseline)).toBe(baseline);
  });

  it('a --device rule in the program grants that node only with its access', async () => {
    const m = new V2Manager(unified!, readV2Controllers(unified!), parent, newId());
    await m.create(
      {},
      deviceRules([{ path: '/dev/zero2', type: 'c', major: 1, minor: 5, access: 'r', fileMode: 0o666, uid: 0, gid: 0 }], false).filter(
        (r) => !(r.type === 'c' && r.major === 1 && r.minor === 5 && r.access === 'rwm'),
      ),
    );
    try {
      // /dev/zero readable by the --device rule, /dev/null still by the defaults, kmsg not.
      expect(await probe(m)).toBe('kmsg=denied null=ok zero=ok');
    } finally {
      await m.destroy();
    }
  });

  it('on a hybrid host without the v1 devices controller, the v1 manager carries the program in the cgroup2 mount', async () => {
    if (host.version !== 1) return;
    const { devices: _, ...withoutDevices } = v1Mounts;
    const m = new V1Manager(withoutDevices, parent, newId(), undefined, unified);
    expect(m.paths.unified).toBe(`${unified}/${parent}/${m.id}`);
    await m.create({}, deviceRules([], false));
    try {
      expect(countDevicePrograms(m.paths.unified)).toBe(1);
      expect(await probe(m)).toBe('kmsg=denied null=ok zero=ok');
    } finally {
      await m.destroy();
    }
    expect(Object.values(m.paths).filter(existsSync)).toEqual([]);
    // With the devices controller present, no cgroup2 directory is made.
    expect(new V1Manager(v1Mounts, parent, newId(), undefined, unified).paths.unified).toBeUndefined();
  });

  afterAll(async () => {
    expect(existsSync(`${unified}/${parent}`)).toBe(false);
    expect(await loadedSettles(baseline)).toBe(baseline);
  });
});
