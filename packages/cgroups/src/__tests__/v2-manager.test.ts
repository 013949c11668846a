import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive, UsageError, waitForProcessExit } from '@mydocker/core';
import { V2Manager } from '../v2/manager';

/** On the real cgroupfs rmdir ignores the interface files; a plain tree has to delete them first. */
function fakeRmdir(path: string): void {
  for (const entry of readdirSync(path)) if (!statSync(join(path, entry)).isDirectory()) unlinkSync(join(path, entry));
  rmdirSync(path);
}

const ALL = ['cpuset', 'cpu', 'io', 'memory', 'pids'];
const ID = 'c0ffee'.repeat(4);
let root: string;
let children: ChildProcess[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cgroups-v2-'));
  writeFileSync(join(root, 'cgroup.controllers'), ALL.join(' '));
  writeFileSync(join(root, 'cgroup.subtree_control'), '');
});

afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children = [];
  rmSync(root, { recursive: true, force: true });
});

const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('V2Manager on a cgroup2-shaped tree', () => {
  it('delegates controllers down the parent and writes each limit in v2 form', async () => {
    const m = new V2Manager(root, ALL, 'outer/inner', ID, fakeRmdir);
    expect(m.paths).toEqual({ unified: `${root}/outer/inner/${ID}` });
    await m.create({ memory: 50 * 1024 ** 2, cpuShares: 512, cpuQuota: 150000, cpuPeriod: 100000, cpusetCpus: '0', cpusetMems: '0', pidsLimit: 20 });
    for (const level of ['', 'outer/', 'outer/inner/']) expect(read(`${level}cgroup.subtree_control`)).toBe('+cpuset +cpu +memory +pids +io');
    const dir = `outer/inner/${ID}`;
    expect(read(`${dir}/memory.max`)).toBe(String(50 * 1024 ** 2));
    expect(read(`${dir}/cpu.weight`)).toBe('20');
    expect(read(`${dir}/cpu.max`)).toBe('150000 100000');
    expect(read(`${dir}/cpuset.cpus`)).toBe('0');
    expect(read(`${dir}/cpuset.mems`)).toBe('0');
    expect(read(`${dir}/pids.max`)).toBe('20');
    expect(existsSync(join(root, dir, 'memory.swap.max'))).toBe(false);
  });

  it('writes "max" for unlimited pids and leaves unset limits alone', async () => {
    const m = new V2Manager(root, ALL, 'p', ID, fakeRmdir);
    await m.create({ pidsLimit: -1 });
    expect(read(`p/${ID}/pids.max`)).toBe('max');
    expect(existsSync(join(root, `p/${ID}/memory.max`))).toBe(false);
    expect(existsSync(join(root, `p/${ID}/cpu.weight`))).toBe(false);
  });

  it('turns --memory-swap (memory + swap) into memory.swap.max (swap alone)', async () => {
    mkdirSync(join(root, 'p'));
    writeFileSync(join(root, 'p/memory.max'), 'max');
    writeFileSync(join(root, 'p/memory.swap.max'), 'max');
    const m = new V2Manager(root, ALL, 'p', ID, fakeRmdir);
    await m.create({ memory: 64 * 1024 ** 2, memorySwap: 100 * 1024 ** 2 });
    expect(read(`p/${ID}/memory.swap.max`)).toBe(String(36 * 1024 ** 2));
  });

  it('refuses --memory-swap when the parent has no memory.swap.max, before making anything', async () => {
    mkdirSync(join(root, 'p'));
    writeFileSync(join(root, 'p/memory.max'), 'max');
    const m = new V2Manager(root, ALL, 'p', ID, fakeRmdir);
    expect(() => m.check({ memory: 64 * 1024 ** 2, memorySwap: 100 * 1024 ** 2 })).toThrow(/memory\.swap\.max does not exist/);
    expect(() => m.check({ memory: 64 * 1024 ** 2, memorySwap: -1 })).not.toThrow();
  });

  it('refuses at create when swap accounting turns out to be off, and leaves nothing', async () => {
    const m = new V2Manager(root, ALL, 'p', ID, fakeRmdir);
    await expect(m.create({ memory: 64 * 1024 ** 2, memorySwap: 100 * 1024 ** 2 })).rejects.toThrow(UsageError);
    expect(existsSync(join(root, 'p'))).toBe(false);
  });

  it('refuses a limit whose controller the root does not offer, naming it', () => {
    const m = new V2Manager(root, ['memory'], 'p', ID, fakeRmdir);
    expect(() => m.check({ pidsLimit: 20 })).toThrow(
      `The --pids-limit flag needs the cgroup v2 "pids" controller, which ${root}/cgroup.controllers does not offer.`,
    );
    expect(() => m.check({ memory: 10 * 1024 ** 2 })).not.toThrow();
  });

  it('attaches processes, reads OOM kills and stats, then kills stragglers and removes everything', async () => {
    const m = new V2Manager(root, ALL, 'outer/inner', ID, fakeRmdir);
    await m.create({});
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(child);
    m.addProcess(child.pid!);
    expect(m.processes()).toEqual([child.pid]);
    const dir = join(root, 'outer/inner', ID);
    expect(m.oomKilled()).toBe(false);
    writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    expect(m.oomKilled()).toBe(true);
    writeFileSync(join(dir, 'memory.current'), '10485760\n');
    writeFileSync(join(dir, 'memory.stat'), 'anon 8000000\ninactive_file 485760\n');
    writeFileSync(join(dir, 'memory.max'), '52428800\n');
    writeFileSync(join(dir, 'cpu.stat'), 'usage_usec 1500\nuser_usec 1000\n');
    writeFileSync(join(dir, 'pids.current'), '3\n');
    expect(m.stats()).toEqual({ memoryUsage: 10_000_000, memoryLimit: 52428800, cpuUsageNs: 1_500_000, cpuUserNs: 1_000_000, pids: 3 });

    await m.destroy();
    expect(await waitForProcessExit(child.pid, undefined, 2000)).toBe(true);
    expect(isProcessAlive(child.pid)).toBe(false);
    expect(existsSync(join(root, 'outer'))).toBe(false);
    await expect(m.destroy()).resolves.toBeUndefined();
  });

  it('keeps the shared parent while another container still uses it', async () => {
    const a = new V2Manager(root, ALL, 'p', 'a'.repeat(64), fakeRmdir);
    const b = new V2Manager(root, ALL, 'p', 'b'.repeat(64), fakeRmdir);
    await a.create({});
    await b.create({});
    await a.destroy();
    expect(readdirSync(join(root, 'p')).filter((e) => statSync(join(root, 'p', e)).isDirectory())).toEqual(['b'.repeat(64)]);
    await b.destroy();
    expect(existsSync(join(root, 'p'))).toBe(false);
  });
});
