import { emptyRunSpec, type Runtime } from '..';
import { setup as fakeSetup } from './engine-fakes';

const setup = () => fakeSetup({ saveOnStop: true, startTaps: true });

/** create → start → restart, and a failed start: what the engine decides, with fakes for the kernel parts. */
describe('Engine: create, start, restart', () => {
  it('create runs create hooks only: a created record awaiting start, no process, never settled by finalize or stop', async () => {
    const { engine, records, events } = setup();
    const record = await engine.create(emptyRunSpec({ name: 'c', command: ['sh'] }));
    expect(events).toEqual([]);
    expect(records.get(record.id)).toMatchObject({ status: 'created', awaitingStart: true });
    await engine.finalize('c');
    await engine.stop('c', {});
    expect(records.get(record.id)).toMatchObject({ status: 'created', awaitingStart: true });
    expect(events).toEqual([]);
  });

  it('start prepares and runs a created container once; a second start is a no-op', async () => {
    const { engine, records, events } = setup();
    const { id } = await engine.create(emptyRunSpec({ name: 'c', command: ['sh'] }));
    const first = await engine.start('c');
    expect(first.alreadyRunning).toBeUndefined();
    expect(events).toEqual(['prepare', 'spawn', 'start']);
    expect(records.get(id)).toMatchObject({ status: 'running', pid: 4242 });
    expect(records.get(id)!.awaitingStart).toBeUndefined();
    await expect(engine.start('c')).resolves.toMatchObject({ alreadyRunning: true });
    expect(events).toEqual(['prepare', 'spawn', 'start']);
  });

  it('start -a waits and returns the exit code; an exited container starts again with the same id', async () => {
    const { engine, records, events, alive } = setup();
    const runtime = engine.bus.need('runtime') as Runtime;
    runtime.wait = async (ctx) => {
      alive.delete(ctx.record.id);
      return { code: 3 };
    };
    const { id } = await engine.create(emptyRunSpec({ name: 'c', command: ['sh'] }));
    await expect(engine.start('c', { attach: true })).resolves.toMatchObject({ exit: { code: 3 } });
    expect(records.get(id)).toMatchObject({ status: 'stopped', exitCode: 3 });
    await expect(engine.start('c', { attach: true })).resolves.toMatchObject({ exit: { code: 3 }, record: { id } });
    expect(events).toEqual(['prepare', 'spawn', 'start', 'stopped removing=false', 'prepare', 'spawn', 'start', 'stopped removing=false']);
  });

  it('a start that fails rolls back only what it made, and the record is as it was', async () => {
    const { engine, records, events } = setup();
    const { id } = await engine.create(emptyRunSpec({ name: 'c', command: ['nosuch'] }));
    const before = structuredClone(records.get(id));
    (engine.bus.need('runtime') as Runtime).start = async () => {
      throw new Error('exec failed');
    };
    await expect(engine.start('c')).rejects.toThrow('exec failed');
    expect(events).toEqual(['prepare', 'spawn', 'kill-spawned', 'unprepare']);
    expect(records.get(id)).toEqual(before);
  });

  it('a failure after the record was saved as running puts the old record back', async () => {
    const { engine, records } = setup();
    const { id } = await engine.create(emptyRunSpec({ name: 'c', command: ['sh'] }));
    const before = structuredClone(records.get(id));
    engine.bus.hooks.started.tapPromise({ name: 'late', stage: 1000 }, async () => {
      throw new Error('late failure');
    });
    await expect(engine.start('c')).rejects.toThrow('late failure');
    expect(records.get(id)).toEqual(before);
  });

  it('start of a run whose creator is still making it is refused; a crashed run is settled, then started', async () => {
    const { engine, records, events } = setup();
    const busy = { ...engine.newRecord(emptyRunSpec({ name: 'busy', command: ['sh'] })), creatorPid: process.ppid, creatorStartTime: undefined };
    records.set(busy.id, busy);
    await expect(engine.start('busy')).rejects.toThrow(/being started by another command/);
    const crashed = { ...engine.newRecord(emptyRunSpec({ name: 'crashed', command: ['sh'] })), creatorPid: 2 ** 22 + 1 };
    records.set(crashed.id, crashed);
    await engine.start('crashed');
    expect(events).toEqual(['stopped removing=false', 'prepare', 'spawn', 'start']);
    expect(records.get(crashed.id)).toMatchObject({ status: 'running' });
  });

  it("restart stops with the container's stop signal, then starts; rm -f -t sends it too", async () => {
    const { engine, records, events, alive } = setup();
    const runtime = engine.bus.need('runtime') as Runtime;
    runtime.signal = (record, signal) => {
      events.push(`signal ${String(signal)}`);
      alive.delete(record.id);
    };
    await engine.run(emptyRunSpec({ name: 'r', command: ['sh'], detach: true, stopSignal: 'SIGUSR1' }));
    events.length = 0;
    const restarted = await engine.restart('r');
    expect(events).toEqual(['signal SIGUSR1', 'stopped removing=false', 'prepare', 'spawn', 'start']);
    expect(records.get(restarted.id)).toMatchObject({ status: 'running' });
    events.length = 0;
    await engine.remove('r', { force: true, volumes: false, timeoutSeconds: 1 });
    expect(events).toEqual(['signal SIGUSR1', 'stopped removing=true', 'remove']);
  });

  it('rm of a created container needs no -f: it is settled as part of the removal', async () => {
    const { engine, records, events } = setup();
    const { id } = await engine.create(emptyRunSpec({ name: 'c', command: ['sh'] }));
    await engine.remove('c', { force: false, volumes: false });
    expect(events).toEqual(['stopped removing=true', 'remove']);
    expect(records.has(id)).toBe(false);
  });
});
