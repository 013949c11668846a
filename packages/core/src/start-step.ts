import { constants } from 'node:os';
import type { ContainerRecord } from './model';

/**
 * What `start` must do with a record, decided from the record and two facts about processes (pure, so
 * the decision is unit-tested without a kernel):
 * - `already-running`: its PID 1 lives and is proven the container's: nothing to do (Docker prints the name).
 * - `start`: made by `create` and never started, or exited and settled: prepare and start it again.
 * - `settle-first`: its process is gone but nothing recorded the end yet (a run that just ended, or a run
 *   whose creator crashed half-way): the `stopped` hooks release what it held, then it starts.
 * - `being-created`: another live command is in the middle of running it: refused, not raced.
 */
export type StartStep = 'already-running' | 'start' | 'settle-first' | 'being-created';

export function startStep(record: Pick<ContainerRecord, 'status' | 'awaitingStart'>, facts: { running: boolean; creatorAlive: boolean }): StartStep {
  if (facts.running) return 'already-running';
  if (record.status === 'stopped') return 'start';
  if (record.status === 'created') {
    if (record.awaitingStart) return 'start';
    return facts.creatorAlive ? 'being-created' : 'settle-first';
  }
  return 'settle-first';
}

/**
 * The signal `stop`, `restart` and `rm -f -t` send first: the container's --stop-signal (a name such as
 * "SIGUSR1", or a number as decimal text), else the image's STOPSIGNAL (`SIGQUIT`, `QUIT`, `3`), else
 * Docker's default SIGTERM. An image's value that is not a signal Node knows reads as SIGTERM.
 */
export function stopSignalOf(record: Pick<ContainerRecord, 'spec' | 'stopSignal'>): NodeJS.Signals | number {
  const raw = record.spec?.stopSignal;
  if (raw !== undefined && raw !== '') return /^\d+$/.test(raw) ? Number(raw) : (raw as NodeJS.Signals);
  const s = record.stopSignal?.trim().toUpperCase();
  if (!s) return 'SIGTERM';
  if (/^\d+$/.test(s)) return Number(s) > 0 && Number(s) < 65 ? Number(s) : 'SIGTERM';
  const name = (s.startsWith('SIG') ? s : `SIG${s}`) as NodeJS.Signals;
  return name in constants.signals ? name : 'SIGTERM';
}

/** Docker's default grace period for `stop`, in seconds. */
export const DEFAULT_STOP_TIMEOUT = 10;

/**
 * Milliseconds between the stop signal and SIGKILL: the command's -t, else the container's --stop-timeout,
 * else 10 s. A negative value (Docker's -1) waits without limit.
 */
export function stopGraceMs(record: Pick<ContainerRecord, 'spec'>, timeoutSeconds?: number): number {
  const seconds = timeoutSeconds ?? record.spec?.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
  return seconds < 0 ? 2 ** 31 - 1 : seconds * 1000;
}
