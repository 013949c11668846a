import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import {
  ConflictError,
  createEngine,
  emptyRunSpec,
  loadConfig,
  Stage,
  TOKENS,
  type Clock,
  type ContainerContext,
  type ContainerRecord,
  type LifecycleBus,
  type Plugin,
  type Runtime,
  type StorageDriver,
} from '..';
import { memoryStore } from './engine-fakes';

/**
 * The engine's promises, shown with fakes registered in a child container (the one service registry):
 * a state store in memory with a real per-id lock, a runtime whose processes are entries in a set, a
 * storage driver that logs. No root, no kernel.
 */
const config = loadConfig({ env: {}, flags: { root: '/tmp/mydocker-unit-none' } });

function fakes() {
  const records = new Map<string, ContainerRecord>();
  const log: string[] = [];
  const alive = new Set<string>();
  const locks = new Map<string, Promise<unknown>>();
  const store = memoryStore(records, {
    delete: async (id) => {
      log.push('state-store: delete record');
      records.delete(id);
    },
    // One holder at a time per id, as the file lock is across processes.
    withLock: async (id, fn) => {
      const before = locks.get(id) ?? Promise.resolve();
      const mine = before.then(fn, fn);
      locks.set(
        id,
        mine.catch(() => undefined),
      );
      return mine;
    },
  });
  const runtime: Runtime = {
    spawn: async (ctx) => {
      log.push('runtime: spawn');
      ctx.record.pid = 4242;
      alive.add(ctx.record.id);
      ctx.onRollback('runtime', () => void (log.push('undo runtime: kill'), alive.delete(ctx.record.id)));
    },
    start: async () => void log.push('runtime: start'),
    wait: async () => ({ code: 0 }),
    signal: (record, signal) => {
      log.push(`runtime: signal ${String(signal)}`);
      if (signal === 'SIGKILL' || signal === 'SIGTERM') alive.delete(record.id);
    },
    isRunning: (record) => alive.has(record.id),
    prove: (record) => ({ ours: alive.has(record.id) }),
    waitExit: async (record) => !alive.has(record.id),
    waitMonitor: async () => true,
    exitStatus: (record) => (alive.has(record.id) ? undefined : { code: 137 }),
    monitorAlive: () => true,
  };
  const driver: StorageDriver = {
    name: 'fake',
    create: async () => void log.push('driver: create'),
    mount: async () => '/nowhere/rootfs',
    unmount: async () => void log.push('driver: unmount'),
    diff: async () => undefined,
    usage: async () => ({ bytes: 0, inodes: 0 }),
    remove: async () => void log.push('driver: remove'),
    list: async () => [],
    isMounted: async () => false,
  };
  const clock: Clock = { now: () => new Date('2026-01-02T03:04:05.000Z') };
  const parent = rootContainer.createChildContainer();
  parent.register(TOKENS.StateStore, { useValue: store });
  parent.register(TOKENS.Runtime, { useValue: runtime });
  parent.register(TOKENS.ImageStore, {
    useValue: { resolve: async () => ({ id: 'i', name: 'i', config: { env: [], cmd: ['sh'], entrypoint: [], workdir: '/' }, layers: [] }) },
  });
  parent.register(TOKENS.StorageDriver, { useValue: driver });
  parent.register(TOKENS.Clock, { useValue: clock });
  return { parent, records, log, alive, store };
}

/** The built-in plugins' shape, with logs for effects: state store, storage, logs, network. */
function plugins(log: string[], records: Map<string, ContainerRecord>): Plugin[] {
  const stateStore: Plugin = {
    name: 'state-store',
    apply(bus: LifecycleBus) {
      const store = bus.need('stateStore');
      bus.hooks.create.tapPromise({ name: 'state-store', stage: Stage.RESERVE }, async (ctx) => {
        await store.reserve(ctx.record);
        log.push('state-store: reserve');
        ctx.onRollback('state-store', async () => void (log.push('undo state-store: unreserve'), records.delete(ctx.record.id)));
      });
      bus.hooks.create.tapPromise({ name: 'state-store', stage: Stage.RECORD }, async (ctx) => store.save(ctx.record));
      bus.hooks.started.tapPromise({ name: 'state-store', stage: Stage.RECORD }, async (ctx) => store.save(ctx.record));
      bus.hooks.stopped.tapPromise({ name: 'state-store', stage: Stage.RECORD }, async (ctx) => {
        log.push(`state-store: stopped (removing=${ctx.removing})`);
        if (!ctx.removing) await store.save(ctx.record);
      });
      bus.hooks.preRemove.tapPromise('state-store', async (ctx) => (ctx.record.status === 'stopped' ? undefined : `container ${ctx.record.name} is running`));
      bus.hooks.remove.tapPromise({ name: 'state-store', stage: Stage.RECORD }, async (ctx) => store.delete(ctx.id));
    },
  };
  const step = (name: string, hooks: Array<'create' | 'prepare' | 'created'>): Plugin => ({
    name,
    apply(bus: LifecycleBus) {
      for (const hook of hooks) {
        bus.hooks[hook].tapPromise(name, async (ctx: ContainerContext) => {
          log.push(`${name}: ${hook}`);
          ctx.onRollback(name, () => void log.push(`undo ${name}: ${hook}`));
        });
      }
      bus.hooks.remove.tapPromise(name, async () => void log.push(`${name}: remove`));
    },
  });
  // Registered in discovery's order (by package name); the state store comes first and still deletes last.
  return [stateStore, step('storage', ['create', 'prepare']), step('logs', ['create', 'prepare']), step('network', ['prepare', 'created'])];
}

function setup() {
  const f = fakes();
  const { bus, engine } = createEngine(config, plugins(f.log, f.records), f.parent);
  const warnings: string[] = [];
  (engine as { warn: (m: string) => void }).warn = (m) => warnings.push(m);
  return { ...f, bus, engine, warnings };
}

const spec = (name: string, detach = true) => emptyRunSpec({ name, command: ['sh'], detach });

describe('the engine with fakes from the container', () => {
  it('resolves the services the test registered in the parent container, and its clock', async () => {
    const { engine, bus, records } = setup();
    const { record } = await engine.run(spec('c1'));
    expect(records.get(record.id)).toMatchObject({ status: 'running', createdAt: '2026-01-02T03:04:05.000Z', startedAt: '2026-01-02T03:04:05.000Z' });
    expect(bus.storageDriver().name).toBe('fake');
  });

  it('rm of a running container is refused by the preRemove guard and touches nothing', async () => {
    const { engine, records, log, alive } = setup();
    const { record } = await engine.run(spec('busy'));
    log.length = 0;
    const before = structuredClone(records.get(record.id));
    await expect(engine.remove('busy', { force: false, volumes: false })).rejects.toThrow(new ConflictError('container busy is running'));
    expect(log).toEqual([]);
    expect(records.get(record.id)).toEqual(before);
    expect(alive.has(record.id)).toBe(true);
  });

  it('remove taps run storage, logs, network in order, and the state store deletes the record last', async () => {
    const { engine, records, log, alive } = setup();
    const { record } = await engine.run(spec('done'));
    alive.delete(record.id);
    await engine.finalize(record.id);
    log.length = 0;
    await engine.remove('done', { force: false, volumes: false });
    expect(log).toEqual(['storage: remove', 'logs: remove', 'network: remove', 'state-store: delete record']);
    expect(records.size).toBe(0);
  });

  it('rm -f kills the running container, settles it (stopped taps, no record write) and removes it', async () => {
    const { engine, records, log, alive } = setup();
    const { record } = await engine.run(spec('forced'));
    log.length = 0;
    await engine.remove('forced', { force: true, volumes: false });
    expect(log).toEqual([
      'runtime: signal SIGKILL',
      'state-store: stopped (removing=true)',
      'storage: remove',
      'logs: remove',
      'network: remove',
      'state-store: delete record',
    ]);
    expect(alive.has(record.id)).toBe(false);
    expect(records.size).toBe(0);
  });

  const order = [
    'state-store: reserve',
    'storage: create',
    'logs: create',
    'storage: prepare',
    'logs: prepare',
    'network: prepare',
    'runtime: spawn',
    'network: created',
    'runtime: start',
  ];
  const undo: Record<string, string> = {
    'state-store: reserve': 'undo state-store: unreserve',
    'runtime: spawn': 'undo runtime: kill',
  };
  const failAt: Array<[string, (bus: LifecycleBus, runtime: Runtime) => void, number]> = [
    [
      'create',
      (bus) =>
        bus.hooks.create.tapPromise({ name: 'boom', stage: Stage.NORMAL + 1 }, async () => {
          throw new Error('boom');
        }),
      3,
    ],
    [
      'prepare',
      (bus) =>
        bus.hooks.prepare.tapPromise('boom', async () => {
          throw new Error('boom');
        }),
      6,
    ],
    [
      'spawn',
      (_bus, runtime) =>
        void (runtime.spawn = async () => {
          throw new Error('boom');
        }),
      6,
    ],
    [
      'created',
      (bus) =>
        bus.hooks.created.tapPromise('boom', async () => {
          throw new Error('boom');
        }),
      8,
    ],
    [
      'start',
      (_bus, runtime) =>
        void (runtime.start = async () => {
          throw new Error('boom');
        }),
      8,
    ],
    [
      'started',
      (bus) =>
        bus.hooks.started.tapPromise({ name: 'boom', stage: Stage.NORMAL }, async () => {
          throw new Error('boom');
        }),
      9,
    ],
  ];
  it.each(failAt)('a failure at %s undoes what was made, in reverse, then calls the failed hook', async (_step, inject, made) => {
    const f = fakes();
    const runtime = f.parent.resolve<Runtime>(TOKENS.Runtime);
    const wrapped: Runtime = { ...runtime };
    f.parent.register(TOKENS.Runtime, { useValue: wrapped });
    const { bus, engine } = createEngine(config, plugins(f.log, f.records), f.parent);
    (engine as { warn: (m: string) => void }).warn = () => undefined;
    inject(bus, wrapped);
    const failed: string[] = [];
    bus.hooks.failed.tapPromise('audit', async (ctx, error) => void failed.push(`${ctx.record.name}: ${error.message}`));
    await expect(engine.run(spec('doomed'))).rejects.toThrow('boom');
    const done = order.slice(0, made).filter((e) => e !== 'runtime: spawn' || wrapped.spawn === runtime.spawn);
    const undone = done
      .filter((e) => e !== 'runtime: start')
      .map((e) => undo[e] ?? `undo ${e}`)
      .reverse();
    expect(f.log).toEqual([...done, ...undone]);
    expect(f.records.size).toBe(0);
    expect(f.alive.size).toBe(0);
    expect(failed).toEqual(['doomed: boom']);
  });

  it('finalize is idempotent under two concurrent callers: the stopped taps run once', async () => {
    const { engine, records, log, alive } = setup();
    const { record } = await engine.run(spec('ending'));
    alive.delete(record.id);
    log.length = 0;
    const [a, b] = await Promise.all([engine.finalize(record.id), engine.finalize(record.id)]);
    expect(log).toEqual(['state-store: stopped (removing=false)']);
    expect([a?.status, b?.status]).toEqual(['stopped', 'stopped']);
    expect(records.get(record.id)).toMatchObject({ status: 'stopped', exitCode: 137, finishedAt: '2026-01-02T03:04:05.000Z' });
  });

  it('a missing service is a MissingPluginError naming the package, from the container', () => {
    const { bus } = createEngine(config, [], rootContainer.createChildContainer());
    expect(bus.has('runtime')).toBe(false);
    expect(() => bus.need('runtime', 'Running a container')).toThrow(/Running a container needs the @mydocker\/namespaces plugin/);
  });
});
