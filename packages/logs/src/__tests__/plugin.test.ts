import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import {
  CommandRegistry,
  ContainerContext,
  createEngine,
  emptyRunSpec,
  loadConfig,
  NotFoundError,
  UsageError,
  type ContainerRecord,
  type StateStore,
} from '@mydocker/core';
import { LogsPlugin } from '../plugin';
import { entry, tempDir } from './fixtures';

/** Just enough of a state store: records in a map, directories under the temp dir. */
function fakeStore(dir: string, records: Map<string, ContainerRecord>): StateStore {
  const find = async (ref: string) => records.get(ref) ?? [...records.values()].find((r) => r.name === ref);
  return {
    containerDir: (id) => `${dir}/containers/${id}`,
    find,
    get: async (ref) => {
      const r = await find(ref);
      if (!r) throw new NotFoundError(`No such container: ${ref}`);
      return r;
    },
    list: async () => [...records.values()],
    ids: async () => [...records.keys()],
    reserve: async () => undefined,
    save: async () => undefined,
    delete: async () => undefined,
    withLock: (_id, fn) => fn(),
  };
}

function collect(stream: PassThrough): () => Buffer {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks);
}

describe('LogsPlugin', () => {
  let tmp: ReturnType<typeof tempDir>;
  let records: Map<string, ContainerRecord>;
  beforeEach(() => {
    tmp = tempDir();
    records = new Map();
  });
  afterEach(() => tmp.cleanup());

  function setup() {
    const config = loadConfig({ env: {}, flags: { root: `${tmp.dir}/root`, runRoot: `${tmp.dir}/run` } });
    const { bus, engine } = createEngine(config, [
      { name: 'fake-store', apply: (b) => b.provide('stateStore', 'fake-store', fakeStore(tmp.dir, records)) },
      LogsPlugin,
    ]);
    const registry = new CommandRegistry();
    bus.hooks.commands.call(registry);
    const ctxFor = (logOpts: string[] = []) =>
      new ContainerContext(config, engine.newRecord(emptyRunSpec({ name: 'web', command: ['sh'], flags: { logs: { 'log-opt': logOpts } } })));
    return { bus, engine, registry, ctxFor };
  }

  it('claims --log-opt and refuses bad entries in validate', async () => {
    const { bus, ctxFor } = setup();
    expect(bus.flags.list('run').map((f) => [f.owner, f.name])).toEqual([
      ['logs', 'log-opt'],
      ['logs', 'log-driver'],
    ]);
    await expect(bus.hooks.validate.promise(ctxFor(['max-size=1k', 'max-file=2']))).resolves.toBeUndefined();
    await expect(bus.hooks.validate.promise(ctxFor(['colour=blue']))).rejects.toThrow(UsageError);
  });

  it('create records the log, prepare sets the target in the container directory; rollback and remove delete the files', async () => {
    const { bus, ctxFor } = setup();
    const ctx = ctxFor(['max-size=1k', 'max-file=2']);
    await bus.hooks.create.promise(ctx);
    expect(ctx.log).toBeUndefined();
    await bus.hooks.prepare.promise(ctx);
    const path = `${tmp.dir}/containers/${ctx.id}/container.log`;
    expect(ctx.log).toEqual({ path, maxSize: 1024, maxFiles: 2 });
    expect(ctx.record.ext.logs).toEqual({ driver: 'k8s-file', path, maxSize: 1024, maxFiles: 2 });
    mkdirSync(`${tmp.dir}/containers/${ctx.id}`, { recursive: true });
    writeFileSync(path, 'x');
    writeFileSync(`${path}.1`, 'y');
    await ctx.rollback();
    expect(existsSync(path) || existsSync(`${path}.1`)).toBe(false);
    writeFileSync(path, 'x');
    await bus.hooks.remove.promise(ctx);
    await bus.hooks.remove.promise(ctx);
    expect(existsSync(path)).toBe(false);
  });

  describe('the logs command', () => {
    async function logs(args: Record<string, unknown>, record?: ContainerRecord) {
      const { bus, engine, registry } = setup();
      if (record) records.set(record.id, record);
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const out = collect(stdout);
      const err = collect(stderr);
      const code = await registry.get('logs')!.run({ tail: 'all', ...args }, { bus, engine, config: bus.config, stdout, stderr });
      return { code, out: out(), err: err() };
    }

    function stoppedWithLog(content: Buffer): ContainerRecord {
      const { engine } = setup();
      const record = engine.newRecord(emptyRunSpec({ name: 'web', command: ['sh'] }));
      record.status = 'stopped';
      const path = `${tmp.dir}/containers/${record.id}/container.log`;
      mkdirSync(`${tmp.dir}/containers/${record.id}`, { recursive: true });
      writeFileSync(path, content);
      record.ext.logs = { driver: 'k8s-file', path, maxSize: 1024, maxFiles: 2 };
      return record;
    }

    it('writes each stream to its own output byte for byte, with -t timestamps and --tail', async () => {
      const binary = Buffer.from([0xff, 0x00, 0xc3]);
      const record = stoppedWithLog(Buffer.concat([entry(0, 'stdout', 'out'), entry(1, 'stderr', 'err'), entry(2, 'stdout', binary)]));
      const plain = await logs({ container: 'web' }, record);
      expect(plain.code).toBe(0);
      expect(plain.out).toEqual(Buffer.concat([Buffer.from('out\n'), binary, Buffer.from('\n')]));
      expect(plain.err.toString()).toBe('err\n');
      const stamped = await logs({ container: 'web', timestamps: true, tail: '2' }, record);
      expect(stamped.err.toString()).toBe('2026-11-28T01:57:01.000000000Z err\n');
      expect(stamped.out).toEqual(Buffer.concat([Buffer.from('2026-11-28T01:57:02.000000000Z '), binary, Buffer.from('\n')]));
    });

    it('follows a stopped container to the end and exits 0', async () => {
      const record = stoppedWithLog(entry(0, 'stdout', 'bye'));
      const r = await logs({ container: record.id, follow: true }, record);
      expect(r).toMatchObject({ code: 0 });
      expect(r.out.toString()).toBe('bye\n');
    });

    it('an unknown container, a container without a log, and bad flags are one sentence each', async () => {
      await expect(logs({ container: 'ghost' })).rejects.toThrow(new NotFoundError('No such container: ghost'));
      const record = stoppedWithLog(Buffer.alloc(0));
      delete record.ext.logs;
      await expect(logs({ container: 'web' }, record)).rejects.toThrow('Container web has no log: it was created without the @mydocker/logs plugin.');
      await expect(logs({ container: 'web', since: 'soon' }, record)).rejects.toThrow(/^Invalid value "soon" for --since/);
      await expect(logs({ container: 'web', tail: 'x' }, record)).rejects.toThrow(/^Invalid --tail value/);
    });
  });
});
