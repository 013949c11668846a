import { EventEmitter } from 'node:events';
import { CancelledError, ProcessRunSignals } from '../run-signals';

/** A stand-in for `process` as a signal source: emit('SIGTERM', 'SIGTERM') is what Node does. */
function fakeProcess() {
  const emitter = new EventEmitter();
  const send = (s: NodeJS.Signals) => emitter.emit(s, s);
  return { target: emitter as unknown as Pick<NodeJS.Process, 'on' | 'off'>, send, emitter };
}

describe('ProcessRunSignals', () => {
  it('a signal before the start cancels with 128 + its number', () => {
    const { target, send } = fakeProcess();
    const signals = new ProcessRunSignals(target);
    expect(() => signals.throwIfCancelled()).not.toThrow();
    send('SIGTERM');
    send('SIGINT');
    expect(() => signals.throwIfCancelled()).toThrow(CancelledError);
    try {
      signals.throwIfCancelled();
    } catch (err) {
      expect((err as CancelledError).exitCode).toBe(143); // the first one counts
      expect((err as Error).message).toBe('The run was cancelled by SIGTERM before the container started; what it had made was removed.');
    }
    expect(new CancelledError('SIGINT').exitCode).toBe(130);
  });

  it('after the start SIGTERM/SIGHUP are forwarded, SIGINT/SIGQUIT are not (the monitor in our group gets them)', () => {
    const { target, send } = fakeProcess();
    const signals = new ProcessRunSignals(target);
    const forwarded: string[] = [];
    signals.started((s) => forwarded.push(s));
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1'] as const) send(s);
    expect(forwarded).toEqual(['SIGTERM', 'SIGHUP', 'SIGUSR1']);
    expect(() => signals.throwIfCancelled()).not.toThrow();
  });

  it('a signal that came while the container was being let go is forwarded once it runs', () => {
    const { target, send } = fakeProcess();
    const signals = new ProcessRunSignals(target);
    send('SIGTERM');
    const forwarded: string[] = [];
    signals.started((s) => forwarded.push(s));
    expect(forwarded).toEqual(['SIGTERM']);
  });

  it('a detached run ignores signals after the start; dispose removes every handler', () => {
    const { target, send, emitter } = fakeProcess();
    const signals = new ProcessRunSignals(target);
    signals.started(undefined);
    send('SIGTERM');
    expect(() => signals.throwIfCancelled()).not.toThrow();
    signals.dispose();
    expect(emitter.eventNames()).toEqual([]);
  });
});
