import { container as rootContainer } from 'tsyringe';
import {
  createEngine,
  loadConfig,
  Stage,
  TOKENS,
  type Clock,
  type ContainerRecord,
  type Plugin,
  type PluginClass,
  type Runtime,
  type StateStore,
} from '@mydocker/core';

/**
 * What a third-party plugin's tests need from the engine, with core's public API only: an in-memory state
 * store and a runtime whose processes are entries in a set, registered in a child container (as core's
 * README says tests do), and a fixed clock. No root, no kernel.
 */
export function engineWith(plugin: PluginClass, options: { failStart?: Error } = {}) {
  const records = new Map<string, ContainerRecord>();
  const alive = new Set<string>();
  const store: StateStore = {
    reserve: async (r) => void records.set(r.id, structuredClone(r)),
    save: async (r) => void records.set(r.id, structuredClone(r)),
    get: async (ref) => {
      const r = [...records.values()].find((x) => x.id === ref || x.name === ref);
      if (!r) throw new Error(`No such container: ${ref}`);
      return structuredClone(r);
    },
    find: async (ref) => [...records.values()].find((x) => x.id === ref || x.name === ref),
    list: async () => [...records.values()],
    ids: async () => [...records.keys()],
    delete: async (id) => void records.delete(id),
    withLock: async (_id, fn) => fn(),
    containerDir: (id) => `/nowhere/${id}`,
  };
  const runtime: Runtime = {
    spawn: async (ctx) => {
      ctx.record.pid = 4242;
      alive.add(ctx.record.id);
      ctx.onRollback('runtime', () => void alive.delete(ctx.record.id));
    },
    start: async () => {
      if (options.failStart) throw options.failStart;
    },
    wait: async () => ({ code: 0 }),
    signal: (record) => void alive.delete(record.id),
    isRunning: (record) => alive.has(record.id),
    prove: (record) => ({ ours: alive.has(record.id) }),
    waitExit: async (record) => !alive.has(record.id),
    waitMonitor: async () => true,
    exitStatus: (record) => (alive.has(record.id) ? undefined : { code: 143 }),
    monitorAlive: () => true,
  };
  const clock: Clock = { now: () => new Date('2026-03-04T05:06:07.000Z') };
  const parent = rootContainer.createChildContainer();
  parent.register(TOKENS.Clock, { useValue: clock });
  const stateStore: Plugin = {
    name: 'state-store',
    apply(bus) {
      bus.provide('stateStore', 'state-store', store);
      bus.provide('runtime', 'state-store', runtime);
      bus.provide('images', 'state-store', {
        resolve: async () => ({ id: 'i', name: 'busybox', config: { env: [], cmd: ['sh'], entrypoint: [], workdir: '/' }, layers: [] }),
      });
      bus.hooks.create.tapPromise({ name: 'state-store', stage: Stage.RECORD }, async (ctx) => store.save(ctx.record));
      bus.hooks.started.tapPromise({ name: 'state-store', stage: Stage.RECORD }, async (ctx) => store.save(ctx.record));
      bus.hooks.stopped.tapPromise({ name: 'state-store', stage: Stage.RECORD }, async (ctx) => {
        if (!ctx.removing) await store.save(ctx.record);
      });
      bus.hooks.remove.tapPromise({ name: 'state-store', stage: Stage.RECORD }, async (ctx) => store.delete(ctx.id));
      bus.hooks.create.tapPromise({ name: 'state-store', stage: Stage.RESERVE }, async (ctx) => {
        await store.reserve(ctx.record);
        ctx.onRollback('state-store', () => void records.delete(ctx.record.id));
      });
    },
  };
  const config = loadConfig({ env: {}, flags: { root: '/tmp/mydocker-unit-none' } });
  const setup = createEngine(config, [stateStore, plugin], parent);
  return { ...setup, records, alive };
}
