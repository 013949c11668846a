import { HEALTH_DEFAULTS, type HealthConfig } from './config';

/** One check's result as Docker's State.Health.Log keeps it. */
export interface HealthResult {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** What `<containerDir>/health.json` holds: the health of the run that started at `startedAt`. */
export interface HealthState {
  startedAt: string;
  status: HealthStatus;
  failingStreak: number;
  log: HealthResult[];
}

/** Docker keeps the last five results, each output cut at 4 KiB. */
export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT = 4096;

/**
 * The health of the current run: the stored state when it belongs to this run, else "starting" (a new
 * run starts over, as Docker's initHealthMonitor does) with the log of earlier runs kept.
 */
export function currentHealth(stored: HealthState | undefined, startedAt: string): HealthState {
  if (stored && stored.startedAt === startedAt) return stored;
  return { startedAt, status: 'starting', failingStreak: 0, log: stored?.log ?? [] };
}

/**
 * Docker's handleProbeResult: exit 0 is healthy and resets the streak; anything else is a failure that
 * counts unless the container is still starting within its start period; `retries` failures in a row
 * make it unhealthy. Returns the new state (the input is not changed).
 */
export function applyResult(state: HealthState, result: HealthResult, config: HealthConfig): HealthState {
  const retries = config.retries || HEALTH_DEFAULTS.retries;
  const log = [...state.log, { ...result, Output: result.Output.slice(0, MAX_OUTPUT) }].slice(-MAX_LOG_ENTRIES);
  if (result.ExitCode === 0) return { ...state, status: 'healthy', failingStreak: 0, log };
  const startPeriod = config.startPeriodMs || HEALTH_DEFAULTS.startPeriodMs;
  const inStartPeriod = state.status === 'starting' && Date.parse(result.Start) - Date.parse(state.startedAt) < startPeriod;
  if (inStartPeriod) return { ...state, log };
  const failingStreak = state.failingStreak + 1;
  return { ...state, failingStreak, status: failingStreak >= retries ? 'unhealthy' : state.status, log };
}

/** Docker's State.Health. */
export function healthStateView(s: HealthState): { Status: HealthStatus; FailingStreak: number; Log: HealthResult[] } {
  return { Status: s.status, FailingStreak: s.failingStreak, Log: s.log };
}
