import { createEngine, damagedRecord, loadConfig, ProcessRunSignals, type ContainerContext, type ContainerRecord, type Runtime, type StateStore } from '..';
import { EventEmitter } from 'node:events';

/**
 * The engine's fakes for unit tests without root: an in-memory state store, a runtime whose processes
 * are flags, and taps that log what the engine asks of the plugins.
 */
export interface FakeOptions {
  /** The stopped tap saves the record (as the state store's does), except during a removal. */
  saveOnStop?: boolean;
  /** Taps on prepare (logged, with an undo step) and started (saves the record). */
  startTaps?: boolean;
}

const config = loadConfig({ env: {}, flags: { root: '/tmp/mydocker-unit-none' } });

/** The state store's contract in memory: copies in and out, found by id or name; `overrides` replace methods. */
export function memoryStore(records: Map<string, ContainerRecord>, overrides: Partial<StateStore> = {}): StateStore {
  const byRef = (ref: string) => [...records.values()].find((x) => x.id === ref || x.name === ref);
  return {
    reserve: async (r) => void records.set(r.id, structuredClone(r)),
    save: async (r) => void records.set(r.id, structuredClone(r)),
    get: async (ref) => {
      const r = byRef(ref);
      if (!r) throw new Error(`No such container: ${ref}`);
      return structuredClone(r);
    },
    find: async (ref) => {
      const r = byRef(ref);
      return r && structuredClone(r);
    },
    list: async () => [...records.values()].map((r) => structuredClone(r)),
    ids: async () => [...records.keys()],
    delete: async (id) => void records.delete(id),
    withLock: async (_id, fn) => fn(),
    containerDir: (id) => `/nowhere/${id}`,
    ...overrides,
  };
}

/** An in-memory store and a runtime whose processes are flags: the engine's decisions, without a kernel. */
export function setup(options: FakeOptions = {}) {
  const records = new Map<string, ContainerRecord>();
  const events: string[] = [];
  const alive = new Set<string>();
  const warnings: string[] = [];
  let duringSpawn = () => {};
  // A damaged record is never written back, as the file store refuses to overwrite one.
  const store = memoryStore(records, {
    save: async (r) => {
      if (!r.damaged) records.set(r.id, structuredClone(r));
    },
  });
  const runtime: Runtime = {
    spawn: async (ctx) => {
      events.push('spawn');
      duringSpawn();
      ctx.record.pid = 4242;
      alive.add(ctx.record.id);
      ctx.onRollback('runtime', () => void (events.push('kill-spawned'), alive.delete(ctx.record.id)));
    },
    start: async () => void events.push('start'),
    wait: async () => ({ code: 0 }),
    signal: (record, signal) => {
      events.push(`signal ${String(signal)}`);
      if (signal === 'SIGKILL') alive.delete(record.id);
    },
    isRunning: (record) => alive.has(record.id),
    prove: (record) => ({ ours: alive.has(record.id) }),
    waitExit: async () => true,
    waitMonitor: async () => true,
    exitStatus: () => undefined,
    monitorAlive: () => false,
    adopt: (record) => {
      events.push('adopt');
      record.pid = 999;
      return alive.has(record.id);
    },
  };
  const { engine } = createEngine(config, [
    {
      name: 'fakes',
      apply(b) {
        b.provide('stateStore', 'fakes', store);
        b.provide('runtime', 'fakes', runtime);
        b.provide('images', 'fakes', { resolve: async () => ({ id: 'i', name: 'i', config: { env: [], cmd: [], entrypoint: [], workdir: '/' }, layers: [] }) });
        b.hooks.create.tapPromise('fakes', async (ctx: ContainerContext) => {
          await store.reserve(ctx.record);
          ctx.onRollback('fakes', () => void (events.push('unreserve'), records.delete(ctx.record.id)));
        });
        b.hooks.stopped.tapPromise('fakes', async (ctx: ContainerContext) => {
          events.push(`stopped removing=${ctx.removing}`);
          if (options.saveOnStop && !ctx.removing) await store.save(ctx.record);
        });
        if (options.startTaps) {
          b.hooks.prepare.tapPromise('fakes', async (ctx: ContainerContext) => {
            events.push('prepare');
            ctx.onRollback('fakes', () => void events.push('unprepare'));
          });
          b.hooks.started.tapPromise('fakes', async (ctx: ContainerContext) => void (await store.save(ctx.record)));
        }
        b.hooks.remove.tapPromise('fakes', async (ctx: ContainerContext) => {
          events.push('remove');
          ctx.cleaned.push('its cgroups');
          await store.delete(ctx.record.id);
        });
      },
    },
  ]);
  (engine as { warn: (m: string) => void }).warn = (m) => warnings.push(m);
  const damaged = (id: string): ContainerRecord => damagedRecord(id, undefined, 'it is empty');
  return { engine, records, events, alive, warnings, damaged, onSpawn: (fn: () => void) => (duringSpawn = fn) };
}

export function fakeSignals() {
  const emitter = new EventEmitter();
  return { signals: new ProcessRunSignals(emitter as unknown as NodeJS.Process), send: (s: NodeJS.Signals) => emitter.emit(s, s) };
}
