import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MydockerError, UsageError, waitForProcessExit } from '@mydocker/core';
import { detectHostHierarchy, WANTED_CONTROLLERS } from '../detect';
import { V1Manager } from '../v1/manager';

/** These run against the host's real cgroup v1 hierarchies (this project's CI machine), as root. */
const host = detectHostHierarchy();
const runnable = host.version === 1 && process.getuid?.() === 0 && WANTED_CONTROLLERS.every((c) => host.version === 1 && c in host.mounts);
const describeV1 = runnable ? describe : describe.skip;

const mounts = host.version === 1 ? host.mounts : {};
const parent = `mydocker-unit-${randomBytes(4).toString('hex')}`;
const newId = () => randomBytes(32).toString('hex');
const read = (path: string) => readFileSync(path, 'utf8').trim();
let children: ChildProcess[] = [];

function sleeper(): ChildProcess {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children = [];
});

afterAll(() => {
  const left = Object.values(mounts).filter((m) => existsSync(`${m}/${parent}`));
  expect(left).toEqual([]);
});

describeV1('V1Manager on this host', () => {
  it('makes the cgroup in every hierarchy even without limits, with cpuset inherited at each level', async () => {
    const m = new V1Manager(mounts, `${parent}/nested`, newId());
    await m.create({});
    expect(Object.keys(m.paths).sort()).toEqual(['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids']);
    for (const dir of Object.values(m.paths)) expect(existsSync(dir)).toBe(true);
    const rootCpus = read(`${mounts.cpuset}/cpuset.cpus`);
    const rootMems = read(`${mounts.cpuset}/cpuset.mems`);
    for (const dir of [`${mounts.cpuset}/${parent}`, `${mounts.cpuset}/${parent}/nested`, m.paths.cpuset]) {
      expect(read(`${dir}/cpuset.cpus`)).toBe(rootCpus);
      expect(read(`${dir}/cpuset.mems`)).toBe(rootMems);
    }
    // A task can join only because cpus and mems were set.
    const child = sleeper();
    m.addProcess(child.pid!);
    expect(m.processes()).toEqual([child.pid]);
    const cgroupOfChild = read(`/proc/${child.pid}/cgroup`);
    for (const c of ['memory', 'cpuset', 'pids', 'cpu', 'cpuacct']) expect(cgroupOfChild).toMatch(new RegExp(`:${c}:/${parent}/nested/${m.id}$`, 'm'));
    await m.destroy();
    expect(await waitForProcessExit(child.pid, undefined, 2000)).toBe(true);
    for (const dir of Object.values(m.paths)) expect(existsSync(dir)).toBe(false);
    for (const mount of Object.values(mounts)) expect(existsSync(`${mount}/${parent}`)).toBe(false);
  });

  it('writes every limit and reads stats back', async () => {
    const m = new V1Manager(mounts, parent, newId());
    await m.create({ memory: 50 * 1024 ** 2, cpuShares: 512, cpuQuota: 50000, cpuPeriod: 100000, cpusetCpus: '0', pidsLimit: 20 });
    try {
      expect(read(`${m.paths.memory}/memory.limit_in_bytes`)).toBe(String(50 * 1024 ** 2));
      if (existsSync(`${m.paths.memory}/memory.memsw.limit_in_bytes`)) {
        expect(read(`${m.paths.memory}/memory.memsw.limit_in_bytes`)).toBe(String(100 * 1024 ** 2));
      }
      expect(read(`${m.paths.cpu}/cpu.shares`)).toBe('512');
      expect(read(`${m.paths.cpu}/cpu.cfs_quota_us`)).toBe('50000');
      expect(read(`${m.paths.cpu}/cpu.cfs_period_us`)).toBe('100000');
      expect(read(`${m.paths.cpuset}/cpuset.cpus`)).toBe('0');
      expect(read(`${m.paths.pids}/pids.max`)).toBe('20');
      const child = sleeper();
      m.addProcess(child.pid!);
      expect(read(`/proc/${child.pid}/status`)).toMatch(/^Cpus_allowed_list:\s+0$/m);
      const stats = m.stats();
      expect(stats.pids).toBe(1);
      expect(stats.memoryLimit).toBe(50 * 1024 ** 2);
      expect(typeof stats.cpuUsageNs).toBe('number');
      expect(typeof stats.memoryUsage).toBe('number');
      expect(m.oomKilled()).toBe(false);
    } finally {
      await m.destroy();
    }
  });

  it('freezes and thaws every process through freezer.state, and destroy kills a frozen cgroup', async () => {
    const m = new V1Manager(mounts, parent, newId());
    await m.create({});
    const child = sleeper();
    m.addProcess(child.pid!);
    try {
      const freezer = m.freezer()!;
      expect(freezer.state()).toBe('thawed');
      await freezer.freeze();
      expect(read(`${m.paths.freezer}/freezer.state`)).toBe('FROZEN');
      expect(freezer.state()).toBe('frozen');
      // A frozen task sits in the refrigerator: the kernel shows it in uninterruptible sleep.
      expect(read(`/proc/${child.pid}/status`)).toMatch(/^State:\s+D/m);
      await freezer.thaw();
      expect(read(`${m.paths.freezer}/freezer.state`)).toBe('THAWED');
      // Thawed: woken, so runnable (R) until it is back in its sleep (S); under load CI saw it still R here.
      expect(read(`/proc/${child.pid}/status`)).toMatch(/^State:\s+[RS]/m);
      // Frozen again: SIGKILL alone would wait for a thaw, so destroy thaws first.
      await freezer.freeze();
      await m.destroy();
      expect(await waitForProcessExit(child.pid, undefined, 2000)).toBe(true);
    } finally {
      // A failed expectation must not leave a frozen cgroup for the next tests (destroy thaws it first).
      if (Object.values(m.paths).some((dir) => existsSync(dir))) await m.destroy().catch(() => undefined);
      child.kill('SIGKILL');
    }
    for (const dir of Object.values(m.paths)) expect(existsSync(dir)).toBe(false);
  });

  it('updates live limits all or nothing: a refused value puts back what was written before it', async () => {
    const m = new V1Manager(mounts, parent, newId());
    await m.create({ memory: 100 * 1024 ** 2, cpuShares: 256, pidsLimit: 20 });
    try {
      m.update({ memory: 300 * 1024 ** 2, memorySwap: 600 * 1024 ** 2, cpuShares: 512, pidsLimit: -1 });
      expect(read(`${m.paths.memory}/memory.limit_in_bytes`)).toBe(String(300 * 1024 ** 2));
      if (existsSync(`${m.paths.memory}/memory.memsw.limit_in_bytes`))
        expect(read(`${m.paths.memory}/memory.memsw.limit_in_bytes`)).toBe(String(600 * 1024 ** 2));
      expect(read(`${m.paths.cpu}/cpu.shares`)).toBe('512');
      expect(read(`${m.paths.pids}/pids.max`)).toBe('max');
      // cpuset is written after memory and cpu: its refusal must undo them.
      expect(() => m.update({ memory: 50 * 1024 ** 2, cpuShares: 1024, cpusetCpus: '4095' })).toThrow(/cpuset\.cpus/);
      expect(read(`${m.paths.memory}/memory.limit_in_bytes`)).toBe(String(300 * 1024 ** 2));
      expect(read(`${m.paths.cpu}/cpu.shares`)).toBe('512');
    } finally {
      await m.destroy();
    }
  });

  it('keeps the parent while a sibling lives and is idempotent', async () => {
    const a = new V1Manager(mounts, parent, newId());
    const b = new V1Manager(mounts, parent, newId());
    await a.create({});
    await b.create({});
    await a.destroy();
    await a.destroy();
    expect(existsSync(b.paths.memory)).toBe(true);
    await b.destroy();
    for (const mount of Object.values(mounts)) expect(existsSync(`${mount}/${parent}`)).toBe(false);
  });

  it('undoes a half-made cgroup when the kernel refuses a value', async () => {
    const m = new V1Manager(mounts, parent, newId());
    await expect(m.create({ cpusetCpus: '4095' })).rejects.toThrow(MydockerError);
    await expect(m.create({ cpusetCpus: '4095' })).rejects.toThrow(/writing "4095" to .*cpuset\.cpus failed/);
    for (const mount of Object.values(mounts)) expect(existsSync(`${mount}/${parent}`)).toBe(false);
  });

  it('refuses a limit whose controller is not mounted, before making anything', async () => {
    const { pids: _pids, ...withoutPids } = mounts;
    const m = new V1Manager(withoutPids, parent, newId());
    await expect(m.create({ pidsLimit: 20 })).rejects.toThrow('The --pids-limit flag needs the cgroup v1 "pids" controller, which this host does not mount.');
    for (const mount of Object.values(mounts)) expect(existsSync(`${mount}/${parent}`)).toBe(false);
  });
});

describe('V1Manager checks', () => {
  it('refuses --memory-swap where memory.memsw.limit_in_bytes is missing, naming the file', () => {
    const fakeMount = mkdtempSync(join(tmpdir(), 'cgroups-v1-'));
    try {
      const m = new V1Manager({ memory: fakeMount }, 'p', newId());
      expect(() => m.check({ memory: 64 * 1024 ** 2, memorySwap: 128 * 1024 ** 2 })).toThrow(UsageError);
      expect(() => m.check({ memory: 64 * 1024 ** 2, memorySwap: 128 * 1024 ** 2 })).toThrow(`${fakeMount}/memory.memsw.limit_in_bytes does not exist`);
      expect(() => m.check({ memory: 64 * 1024 ** 2, memorySwap: -1 })).not.toThrow();
      expect(() => m.check({ memory: 64 * 1024 ** 2 })).not.toThrow();
    } finally {
      rmSync(fakeMount, { recursive: true, force: true });
    }
  });
});
