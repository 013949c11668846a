import { emptyRunSpec, UsageError } from '..';
import { setup as fakeSetup } from './engine-fakes';

const setup = () => fakeSetup({ saveOnStop: true, startTaps: true });

/** The engine's restart-policy decisions, with fakes for the kernel parts (the monitor's wait is the caller's). */
describe('Engine: restart policies', () => {
  const detached = (restart: string) => emptyRunSpec({ name: 'c', command: ['sh'], detach: true, restart });

  it('on-failure:2: each failed end asks for a restart with a doubling back-off, until the limit', async () => {
    const { engine, records, alive } = setup();
    const { record } = await engine.run(detached('on-failure:2'));
    const seen: Array<[number | undefined, number | undefined, boolean | undefined]> = [];
    for (let i = 0; i < 3; i++) {
      alive.delete(record.id);
      const settled = await engine.finalize(record.id, { code: 1 });
      seen.push([settled?.restartCount, settled?.restartDelayMs, settled?.restarting]);
      if (settled?.restarting) await engine.restartByPolicy(record.id);
    }
    expect(seen).toEqual([
      [1, 100, true],
      [2, 200, true],
      [2, 400, undefined],
    ]);
    expect(records.get(record.id)).toMatchObject({ status: 'stopped', exitCode: 1, restartCount: 2 });
  });

  it('stop holds an always container down; start by hand starts the count over', async () => {
    const { engine, records, alive } = setup();
    const { record } = await engine.run(detached('always'));
    alive.delete(record.id); // the stop signal ends it
    await engine.stop('c', {});
    expect(records.get(record.id)).toMatchObject({ status: 'stopped', manuallyStopped: true, restartCancelled: true });
    expect(records.get(record.id)!.restarting).toBeUndefined();
    await expect(engine.restartByPolicy('c')).resolves.toBeUndefined();
    await engine.start('c');
    const started = records.get(record.id)!;
    expect(started.status).toBe('running');
    expect([started.restartCount, started.manuallyStopped, started.restartCancelled]).toEqual([undefined, undefined, undefined]);
  });

  it('a container whose monitor died is restarted by applyRestartPolicies; at boot, always even after a stop', async () => {
    const { engine, records, alive } = setup();
    const { record } = await engine.run(detached('always'));
    alive.delete(record.id); // PID 1 went with its killed monitor: the record still says running
    const noticed = await engine.applyRestartPolicies({ boot: false });
    expect(noticed.restarted.map((r) => r.name)).toEqual(['c']);
    expect(records.get(record.id)).toMatchObject({ status: 'running', restartCount: 1 });
    alive.delete(record.id);
    await engine.stop('c', {});
    expect((await engine.applyRestartPolicies({ boot: false })).restarted).toEqual([]);
    expect((await engine.applyRestartPolicies({ boot: true })).restarted.map((r) => r.name)).toEqual(['c']);
    expect(records.get(record.id)).toMatchObject({ status: 'running', restartCount: 2 });
  });

  it('refuses --restart with --rm, and a bad policy, before anything is made', async () => {
    const { engine, records } = setup();
    await expect(engine.run({ ...detached('always'), autoRemove: true })).rejects.toThrow('Conflicting options: cannot specify both --restart and --rm.');
    await expect(engine.run(detached('sometimes'))).rejects.toBeInstanceOf(UsageError);
    expect(records.size).toBe(0);
  });
});
