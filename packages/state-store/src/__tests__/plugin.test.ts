import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ContainerContext, createEngine, emptyRunSpec, loadConfig, Stage, type PruneReport } from '@mydocker/core';
import { StateStorePlugin } from '../plugin';
import * as atomicWrite from '../atomic-write';
import { tempRoots } from './helpers';

describe('StateStorePlugin', () => {
  let roots: ReturnType<typeof tempRoots>;
  beforeEach(() => (roots = tempRoots()));
  afterEach(() => roots.cleanup());

  function setup() {
    const config = loadConfig({ env: {}, flags: { root: roots.root, runRoot: roots.runRoot } });
    const { bus, engine } = createEngine(config, [StateStorePlugin]);
    const ctxFor = (name: string) => new ContainerContext(config, engine.newRecord(emptyRunSpec({ name, command: ['sh'] })));
    return { bus, engine, ctxFor, store: bus.need('stateStore') };
  }

  it('provides the stateStore service rooted in the configured root', () => {
    const { store } = setup();
    expect(store.containerDir('abc')).toBe(`${roots.root}/containers/abc`);
  });

  it("refuses a taken name in validate with Docker's sentence", async () => {
    const { bus, ctxFor } = setup();
    const first = ctxFor('test');
    await bus.hooks.create.promise(first);
    await expect(bus.hooks.validate.promise(ctxFor('test'))).rejects.toThrow(
      `Conflict. The container name "test" is already in use by container ${first.id}. You have to remove (or rename) that container to be able to reuse that name.`,
    );
    await expect(bus.hooks.validate.promise(ctxFor('other'))).resolves.toBeUndefined();
  });

  it("create saves the record with other plugins' annotations; rollback deletes record and name", async () => {
    const { bus, ctxFor, store } = setup();
    bus.hooks.create.tapPromise('annotator', async (ctx) => ctx.setExt('annotator', { made: true }));
    const ctx = ctxFor('annotated');
    await bus.hooks.create.promise(ctx);
    expect((await store.get('annotated')).ext.annotator).toEqual({ made: true });
    expect(await ctx.rollback()).toEqual([]);
    expect(await store.find('annotated')).toBeUndefined();
    expect(existsSync(store.containerDir(ctx.id))).toBe(false);
    expect(existsSync(`${roots.root}/names/annotated`)).toBe(false);
  });

  it('a failing later create step leaves nothing behind', async () => {
    const { bus, ctxFor, store } = setup();
    bus.hooks.create.tapPromise({ name: 'fails', stage: Stage.NORMAL }, async () => {
      throw new Error('no space');
    });
    const ctx = ctxFor('doomed');
    await expect(bus.hooks.create.promise(ctx)).rejects.toThrow('no space');
    await ctx.rollback();
    expect(await store.list()).toEqual([]);
  });

  it('started and stopped save the record; preRemove guards; remove deletes everything', async () => {
    const { bus, ctxFor, store } = setup();
    const ctx = ctxFor('life');
    await bus.hooks.create.promise(ctx);
    ctx.record.status = 'running';
    await bus.hooks.started.promise(ctx);
    expect((await store.get('life')).status).toBe('running');
    // Docker's words and exit code 1 (`docker rm` of a running container).
    const refusal = await bus.hooks.preRemove.promise(ctx);
    expect(refusal).toMatchObject({
      message: 'cannot remove container "/life": container is running: stop the container before removing or force remove',
      exitCode: 1,
    });
    ctx.record.status = 'stopped';
    ctx.record.exitCode = 3;
    await bus.hooks.stopped.promise(ctx);
    await bus.hooks.stopped.promise(ctx);
    expect(await store.get('life')).toMatchObject({ status: 'stopped', exitCode: 3 });
    await expect(bus.hooks.preRemove.promise(ctx)).resolves.toBeUndefined();
    await bus.hooks.remove.promise(ctx);
    await bus.hooks.remove.promise(ctx);
    expect(await store.find('life')).toBeUndefined();
    expect(existsSync(store.containerDir(ctx.id))).toBe(false);
  });

  it('the stopped hooks of a removal write nothing; a damaged record cannot be removed without force', async () => {
    const { bus, ctxFor, store } = setup();
    const ctx = ctxFor('gone');
    await bus.hooks.create.promise(ctx);
    ctx.record.status = 'stopped';
    ctx.removing = true;
    await bus.hooks.stopped.promise(ctx);
    expect((await store.get('gone')).status).toBe('created');
    writeFileSync(`${store.containerDir(ctx.id)}/config.json`, '{}');
    const damaged = new ContainerContext(ctx.config, await store.get('gone'));
    expect(damaged.record).toMatchObject({ id: ctx.id, name: 'gone', damaged: true, status: 'unknown' });
    await expect(bus.hooks.preRemove.promise(damaged)).resolves.toMatch(
      /^The record of container gone is damaged \(its id does not match its directory\), so nothing proves the container stopped: use -f/,
    );
    await bus.hooks.stopped.promise(damaged);
    expect(readFileSync(`${store.containerDir(ctx.id)}/config.json`, 'utf8')).toBe('{}');
  });

  it('prune reports known ids and info counts containers by status', async () => {
    const { bus, ctxFor } = setup();
    const a = ctxFor('a');
    const b = ctxFor('b');
    await bus.hooks.create.promise(a);
    await bus.hooks.create.promise(b);
    b.record.status = 'stopped';
    await bus.hooks.stopped.promise(b);
    const prune: PruneReport = { knownIds: new Set(), removed: [] };
    await bus.hooks.prune.promise(prune);
    expect([...prune.knownIds].sort()).toEqual([a.id, b.id].sort());
    const info: Record<string, unknown> = {};
    await bus.hooks.info.promise(info);
    expect(info.containers).toEqual({ root: roots.root, total: 2, running: 0, created: 1, stopped: 1, unknown: 0 });
  });
});

describe('which record writes are synced', () => {
  let roots: ReturnType<typeof tempRoots>;
  beforeEach(() => (roots = tempRoots()));
  afterEach(() => {
    jest.restoreAllMocks();
    roots.cleanup();
  });

  /** The `durable` argument of every atomic record write, in order, while `fn` runs. */
  async function fsyncsDuring(fn: () => Promise<void>): Promise<boolean[]> {
    const calls: boolean[] = [];
    const original = atomicWrite.writeFileAtomic;
    const spy = jest.spyOn(atomicWrite, 'writeFileAtomic').mockImplementation((path, data, durable) => {
      calls.push(durable);
      return original(path, data, durable);
    });
    try {
      await fn();
    } finally {
      spy.mockRestore();
    }
    return calls;
  }

  it('create: the reserved stub is not synced, the full record is; stopped is synced unless the container is --rm', async () => {
    const config = loadConfig({ env: {}, flags: { root: roots.root, runRoot: roots.runRoot } });
    const { bus, engine } = createEngine(config, [StateStorePlugin]);
    const store = bus.need('stateStore');
    for (const autoRemove of [false, true]) {
      const ctx = new ContainerContext(config, engine.newRecord(emptyRunSpec({ name: `c${autoRemove}`, command: ['sh'], autoRemove })));
      expect(await fsyncsDuring(() => bus.hooks.create.promise(ctx))).toEqual([false, true]);
      ctx.record.status = 'running';
      expect(await fsyncsDuring(() => bus.hooks.started.promise(ctx))).toEqual([true]);
      ctx.record.status = 'stopped';
      expect(await fsyncsDuring(() => bus.hooks.stopped.promise(ctx))).toEqual([!autoRemove]);
      expect((await store.get(ctx.id)).status).toBe('stopped');
    }
  });
});
