import { emptyRunSpec, startStep, stopGraceMs, stopSignalOf } from '..';

describe('startStep', () => {
  const facts = (running = false, creatorAlive = false) => ({ running, creatorAlive });

  it('a live, proven PID 1 is already running, whatever the record says', () => {
    for (const status of ['created', 'running', 'stopped'] as const) expect(startStep({ status }, facts(true))).toBe('already-running');
  });

  it('an exited container, and one made by create, start without more ado', () => {
    expect(startStep({ status: 'stopped' }, facts())).toBe('start');
    expect(startStep({ status: 'created', awaitingStart: true }, facts())).toBe('start');
    // Its creator (`mydocker create`) is long gone or still printing: it does not matter.
    expect(startStep({ status: 'created', awaitingStart: true }, facts(false, true))).toBe('start');
  });

  it('a run whose creator crashed, or a run that ended unrecorded, is settled first', () => {
    expect(startStep({ status: 'created' }, facts(false, false))).toBe('settle-first');
    expect(startStep({ status: 'running' }, facts(false, false))).toBe('settle-first');
  });

  it('a run that another live command is still making is not raced', () => {
    expect(startStep({ status: 'created' }, facts(false, true))).toBe('being-created');
  });
});

describe('stop signal and grace', () => {
  it("SIGTERM and 10 s by default; the container's --stop-signal and --stop-timeout; -t wins", () => {
    const plain = { spec: emptyRunSpec() };
    const own = { spec: emptyRunSpec({ stopSignal: 'SIGUSR1', stopTimeout: 2 }) };
    expect(stopSignalOf(plain)).toBe('SIGTERM');
    expect(stopSignalOf(own)).toBe('SIGUSR1');
    expect(stopSignalOf({ spec: emptyRunSpec({ stopSignal: '10' }) })).toBe(10);
    expect(stopGraceMs(plain)).toBe(10_000);
    expect(stopGraceMs(own)).toBe(2000);
    expect(stopGraceMs(own, 0)).toBe(0);
    expect(stopGraceMs({ spec: emptyRunSpec({ stopTimeout: -1 }) })).toBe(2 ** 31 - 1);
  });
});
