import { emptyRunSpec, EXIT_CODE_UNKNOWN, damagedRecord, type Runtime, type StateStore } from '..';
import { fakeSignals, setup as fakeSetup } from './engine-fakes';

const setup = () => fakeSetup();

describe('Engine under faults', () => {
  it('a signal before the start cancels the run: rolled back, never started', async () => {
    const { engine, records, events, onSpawn } = setup();
    const { signals, send } = fakeSignals();
    onSpawn(() => send('SIGTERM'));
    const spec = emptyRunSpec({ name: 'c', command: ['sh'], detach: true });
    await expect(engine.run(spec, undefined, { signals })).rejects.toMatchObject({ exitCode: 143 });
    expect(events).toEqual(['spawn', 'kill-spawned', 'unreserve']);
    expect(records.size).toBe(0);
  });

  it('a signal after the start is forwarded to the container of a foreground run', async () => {
    const { engine, events } = setup();
    const { signals, send } = fakeSignals();
    const spec = emptyRunSpec({ name: 'fg', command: ['sh'] });
    (engine.bus.need('runtime') as Runtime).wait = async () => {
      send('SIGTERM');
      send('SIGINT');
      return { code: 143 };
    };
    await expect(engine.run(spec, undefined, { signals })).resolves.toMatchObject({ exit: { code: 143 } });
    expect(events.filter((e) => e.startsWith('signal'))).toEqual(['signal SIGTERM']);
  });

  it('a damaged record is refused by rm without -f and nothing is touched', async () => {
    const { engine, records, events, damaged } = setup();
    records.set('d1', damaged('d1'));
    await expect(engine.remove('d1', { force: false, volumes: false })).rejects.toThrow(
      'Cannot remove container d1: its record is damaged (it is empty), so nothing proves the container stopped; remove it with `mydocker rm -f d1`.',
    );
    expect(events).toEqual([]);
    expect(records.has('d1')).toBe(true);
    await expect(engine.stop('d1', { timeoutSeconds: 1 })).rejects.toThrow(/its record is damaged \(it is empty\); remove it with `mydocker rm -f d1`/);
  });

  it('rm -f of a damaged record finds and kills its PID 1, runs stopped (writing nothing) and remove, and says what went', async () => {
    const { engine, records, events, alive, warnings, damaged } = setup();
    records.set('d2', damaged('d2'));
    alive.add('d2');
    await engine.remove('d2', { force: true, volumes: false });
    expect(events).toEqual(['adopt', 'signal SIGKILL', 'stopped removing=true', 'remove']);
    expect(records.has('d2')).toBe(false);
    expect(warnings).toEqual(['mydocker: warning: container d2 had a damaged record (it is empty); removed from its id: killed its PID 1 (999), its cgroups.']);
  });

  it('a container another command removed meanwhile is removed: success, nothing run', async () => {
    const { engine, records, events } = setup();
    const record = engine.newRecord(emptyRunSpec({ name: 'gone', command: ['sh'] }));
    records.set(record.id, { ...record, status: 'stopped' });
    const store = engine.bus.need('stateStore') as StateStore;
    // `get` (before the lock) finds it; `find` under the lock no longer does.
    store.find = async () => undefined;
    await expect(engine.remove('gone', { force: true, volumes: false })).resolves.toMatchObject({ name: 'gone' });
    expect(events).toEqual([]);
  });

  it('a running record whose PID 1 ended after its monitor reads as stopped with the exit code unknown', async () => {
    const { engine, records } = setup();
    const record = { ...engine.newRecord(emptyRunSpec({ name: 'orphan', command: ['sh'] })), status: 'running' as const, pid: 1234 };
    records.set(record.id, record);
    expect(await engine.inspect('orphan')).toMatchObject({ status: 'stopped', exitCode: EXIT_CODE_UNKNOWN });
  });

  it('kill and rm -f tell the signalled hook which signal they sent (a paused container is thawed there)', async () => {
    const { engine, records, events, alive } = setup();
    engine.bus.hooks.signalled.tap('test', (ctx, signal) => void events.push(`signalled ${ctx.record.name} ${String(signal)}`));
    for (const name of ['k', 'f']) {
      records.set(name, { ...damagedRecord(name, name, ''), damaged: false, damage: undefined, status: 'running', pid: 4242 });
      alive.add(name);
    }
    await engine.kill('k', 'SIGHUP');
    await engine.remove('f', { force: true, volumes: false });
    expect(events.filter((e) => e.startsWith('signal'))).toEqual(['signal SIGHUP', 'signalled k SIGHUP', 'signal SIGKILL', 'signalled f SIGKILL']);
  });
});
