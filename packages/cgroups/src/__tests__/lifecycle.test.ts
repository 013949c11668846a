import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import {
  CommandRegistry,
  ContainerContext,
  emptyRunSpec,
  Engine,
  LifecycleBus,
  loadConfig,
  UsageError,
  waitForProcessExit,
  type InfoReport,
} from '@mydocker/core';
import { resourceFlagValues, type ResourceOptions } from '../flags';
import { detectHostHierarchy } from '../detect';
import CgroupsPlugin from '../index';
import { deviceEnforcement } from '../lifecycle';
import type { CgroupsExt } from '../limits';

const host = detectHostHierarchy();
const describeHost = host.version === 1 && process.getuid?.() === 0 ? describe : describe.skip;
const mounts = host.version === 1 ? Object.values(host.mounts) : [];

const parent = `mydocker-unit-${randomBytes(4).toString('hex')}`;
const config = loadConfig({ env: {}, flags: { root: '/tmp/mydocker-unit-none', cgroupParent: parent } });
let children: ChildProcess[] = [];

function setup() {
  const bus = new LifecycleBus(config);
  new CgroupsPlugin().apply(bus);
  const engine = new Engine(bus);
  return { bus, engine };
}

function ctxFor(engine: Engine, resources: ResourceOptions): ContainerContext {
  return new ContainerContext(config, engine.newRecord(emptyRunSpec({ command: ['/bin/true'], flags: { cgroups: resourceFlagValues(resources) } })));
}

function noCgroupLeft(): string[] {
  return mounts.map((m) => `${m}/${parent}`).filter((p) => existsSync(p));
}

afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children = [];
});

describe('deviceEnforcement', () => {
  it('names where the device rules are enforced, and says when they cannot be', () => {
    expect(deviceEnforcement({ version: 1, mounts: { devices: '/d' }, unified: '/u' })).toBe('cgroup v1 devices controller');
    expect(deviceEnforcement({ version: 1, mounts: { memory: '/m' }, unified: '/u' })).toBe('cgroup v2 device program (in /u)');
    expect(deviceEnforcement({ version: 2, root: '/r', controllers: [] })).toBe('cgroup v2 device program');
    expect(deviceEnforcement({ version: 1, mounts: { memory: '/m' } })).toMatch(/^none: .* device access is not restricted$/);
  });
});

describe('CgroupsPlugin.apply', () => {
  it('declares the resource flags and adds the stats command without touching the host', () => {
    const { bus } = setup();
    expect(bus.flags.find('m')).toMatchObject({ owner: 'cgroups', name: 'memory', type: 'string' });
    expect(bus.flags.find('-cpushare')).toMatchObject({ owner: 'cgroups', name: 'cpu-shares' });
    const registry = new CommandRegistry();
    bus.hooks.commands.call(registry);
    expect(registry.get('stats')?.owner).toBe('cgroups');
  });
});

describeHost('the cgroups lifecycle on this host', () => {
  afterAll(() => expect(noCgroupLeft()).toEqual([]));

  it.each([
    [{ memory: '10x' }, /-m\/--memory/],
    [{ cpusetCpus: '99' }, /--cpuset-cpus: CPU 99 is not available/],
    [{ cpus: '-1' }, /--cpus/],
  ])('refuses %j in validate and makes nothing', async (resources, pattern) => {
    const { bus, engine } = setup();
    const ctx = ctxFor(engine, resources);
    await expect(bus.hooks.validate.promise(ctx)).rejects.toThrow(UsageError);
    await expect(bus.hooks.validate.promise(ctx)).rejects.toThrow(pattern);
    expect(ctx.record.ext.cgroups).toBeUndefined();
    expect(noCgroupLeft()).toEqual([]);
  });

  it('records the limits, attaches PID 1 and exec processes, and removes everything when stopped', async () => {
    const { bus, engine } = setup();
    const ctx = ctxFor(engine, { memory: '64m', cpuShares: '512', pidsLimit: '30' });
    await bus.hooks.validate.promise(ctx);
    const ext = ctx.record.ext.cgroups as CgroupsExt;
    expect(ext).toEqual({
      version: 1,
      parent,
      limits: { memory: 64 * 1024 ** 2, cpuShares: 512, pidsLimit: 30 },
      paths: expect.objectContaining({ memory: `${host.version === 1 && host.mounts.memory}/${parent}/${ctx.id}` }),
    });
    expect(noCgroupLeft()).toEqual([]);
    await bus.hooks.create.promise(ctx);
    await bus.hooks.prepare.promise(ctx);
    expect(readFileSync(`${ext.paths.cpu}/cpu.shares`, 'utf8').trim()).toBe('512');
    // The runtime's clone joins these itself; `created` attaches it wherever it is not in.
    expect(ctx.cgroupSelfJoin).toEqual([
      ...new Set(
        Object.entries(ext.paths)
          .filter(([name]) => name !== 'unified')
          .map(([, dir]) => dir),
      ),
    ]);

    const pid1 = spawn('sleep', ['60'], { stdio: 'ignore' });
    const execd = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(pid1, execd);
    ctx.record.pid = pid1.pid;
    await bus.hooks.created.promise(ctx);
    await bus.hooks.execCreated.promise(ctx, execd.pid!);
    const procs = readFileSync(`${ext.paths.pids}/cgroup.procs`, 'utf8').trim().split('\n').map(Number).sort();
    expect(procs).toEqual([pid1.pid, execd.pid].sort());

    const stopCtx = new ContainerContext(config, ctx.record);
    await bus.hooks.stopped.promise(stopCtx);
    expect(stopCtx.record.oomKilled).toBeUndefined();
    expect(await waitForProcessExit(execd.pid, undefined, 2000)).toBe(true);
    expect(noCgroupLeft()).toEqual([]);
    await bus.hooks.stopped.promise(stopCtx);
  });

  it('undoes the cgroups when a later prepare step fails', async () => {
    const { bus, engine } = setup();
    bus.hooks.prepare.tapPromise('later', async () => {
      throw new Error('boom');
    });
    const ctx = ctxFor(engine, {});
    await bus.hooks.validate.promise(ctx);
    await bus.hooks.create.promise(ctx);
    await expect(bus.hooks.prepare.promise(ctx)).rejects.toThrow('boom');
    expect(noCgroupLeft().length).toBeGreaterThan(0);
    expect(await ctx.rollback()).toEqual([]);
    expect(noCgroupLeft()).toEqual([]);
  });

  it('notices an OOM kill before removing the cgroup', async () => {
    const { bus, engine } = setup();
    const ctx = ctxFor(engine, { memory: '16m' });
    await bus.hooks.validate.promise(ctx);
    await bus.hooks.create.promise(ctx);
    await bus.hooks.prepare.promise(ctx);
    // The pause lets the test attach the shell before it starts to hold ~100 MB in a variable.
    const hog = spawn('sh', ['-c', 'read go; x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived'], { stdio: ['pipe', 'pipe', 'ignore'] });
    children.push(hog);
    ctx.record.pid = hog.pid;
    await bus.hooks.created.promise(ctx);
    const exited = new Promise<NodeJS.Signals | null>((r) => hog.once('exit', (_code, signal) => r(signal)));
    let out = '';
    hog.stdout!.on('data', (d) => (out += d));
    hog.stdin!.end('go\n');
    expect(await exited).toBe('SIGKILL');
    expect(out).toBe('');
    await bus.hooks.stopped.promise(ctx);
    expect(ctx.record.oomKilled).toBe(true);
    expect(noCgroupLeft()).toEqual([]);
  });

  it('reports the version and controllers in info, and prunes cgroups without a record', async () => {
    const { bus, engine } = setup();
    const report: InfoReport = {};
    await bus.hooks.info.promise(report);
    expect(report).toMatchObject({ CgroupDriver: 'cgroupfs', CgroupVersion: '1' });
    expect(report.Cgroups).toMatchObject({
      Controllers: ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids'],
      Parent: parent,
      Devices: 'cgroup v1 devices controller',
    });

    const kept = ctxFor(engine, {});
    const orphan = ctxFor(engine, {});
    for (const ctx of [kept, orphan]) {
      await bus.hooks.validate.promise(ctx);
      await bus.hooks.create.promise(ctx);
      await bus.hooks.prepare.promise(ctx);
    }
    const pruned = { knownIds: new Set([kept.id]), removed: [] as string[] };
    await bus.hooks.prune.promise(pruned);
    expect(pruned.removed).toHaveLength(8);
    expect(pruned.removed.every((r) => r.includes(orphan.id))).toBe(true);
    expect(existsSync((orphan.record.ext.cgroups as CgroupsExt).paths.memory)).toBe(false);
    expect(existsSync((kept.record.ext.cgroups as CgroupsExt).paths.memory)).toBe(true);
    await bus.hooks.stopped.promise(kept);
    expect(noCgroupLeft()).toEqual([]);
  });
  it('writes the device rules at create and records them', async () => {
    const { bus, engine } = setup();
    const ctx = ctxFor(engine, {});
    await bus.hooks.validate.promise(ctx);
    await bus.hooks.create.promise(ctx);
    await bus.hooks.prepare.promise(ctx);
    const ext = ctx.record.ext.cgroups as CgroupsExt;
    expect(ext.devices?.slice(0, 3)).toEqual(['deny a', 'allow c *:* m', 'allow b *:* m']);
    const list = readFileSync(`${ext.paths.devices}/devices.list`, 'utf8');
    expect(list).toContain('c 1:3 rwm');
    expect(list).not.toContain('a *:* rwm');
    await bus.hooks.stopped.promise(ctx);
    expect(noCgroupLeft()).toEqual([]);
  });

  /** A running container's record that could not be read: only the id is known (the state store's contract). */
  function damagedCtx(id: string): ContainerContext {
    const record = { ...new Engine(new LifecycleBus(config)).newRecord(emptyRunSpec({ command: [] })), id, name: id, damaged: true, ext: {} };
    return new ContainerContext(config, record);
  }

  it('damaged record of a running container: stopped kills what is in its cgroups and removes them from the id alone', async () => {
    const { bus, engine } = setup();
    const ctx = ctxFor(engine, { memory: '64m' });
    await bus.hooks.validate.promise(ctx);
    await bus.hooks.create.promise(ctx);
    await bus.hooks.prepare.promise(ctx);
    const pid1 = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(pid1);
    ctx.record.pid = pid1.pid;
    await bus.hooks.created.promise(ctx);

    await bus.hooks.stopped.promise(damagedCtx(ctx.id));
    expect(await waitForProcessExit(pid1.pid, undefined, 2000)).toBe(true);
    expect(noCgroupLeft()).toEqual([]);
    // Again, and through remove: nothing left to do, nothing thrown.
    await bus.hooks.stopped.promise(damagedCtx(ctx.id));
    await bus.hooks.remove.promise(damagedCtx(ctx.id));
  });

  it('damaged record that claimed to be stopped: remove takes the cgroups by id', async () => {
    const { bus, engine } = setup();
    const ctx = ctxFor(engine, {});
    await bus.hooks.validate.promise(ctx);
    await bus.hooks.create.promise(ctx);
    await bus.hooks.prepare.promise(ctx);
    expect(noCgroupLeft().length).toBeGreaterThan(0);
    const damaged = damagedCtx(ctx.id);
    (damaged.record as { ext: unknown }).ext = { cgroups: { version: 'x', paths: 3 } };
    await bus.hooks.remove.promise(damaged);
    expect(noCgroupLeft()).toEqual([]);
  });

  it('attaching to a cgroup that a racing rm removed says so in one sentence', async () => {
    const { bus, engine } = setup();
    const ctx = ctxFor(engine, {});
    await bus.hooks.validate.promise(ctx);
    await bus.hooks.create.promise(ctx);
    await bus.hooks.prepare.promise(ctx);
    await bus.hooks.remove.promise(damagedCtx(ctx.id));
    const pid1 = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(pid1);
    ctx.record.pid = pid1.pid;
    await expect(bus.hooks.created.promise(ctx)).rejects.toThrow(new RegExp(`^Container ${ctx.record.name} was removed while it was starting\\.$`));
    expect(noCgroupLeft()).toEqual([]);
  });
});
