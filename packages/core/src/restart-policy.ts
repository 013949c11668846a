import { UsageError } from './errors';

/**
 * Docker's restart policies (`--restart no|on-failure[:N]|always|unless-stopped`) and its restart
 * manager's rules, as pure functions: the engine applies them when a run ends, the monitor only waits the
 * delay they give. Kept pure so the decisions are unit-tested without a kernel.
 */
export type RestartPolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

export interface RestartPolicy {
  name: RestartPolicyName;
  /** on-failure:N; 0 is "no limit", as Docker's MaximumRetryCount. */
  maximumRetryCount: number;
}

const NAMES: readonly RestartPolicyName[] = ['no', 'always', 'unless-stopped', 'on-failure'];

/** Docker's back-off: 100 ms, doubled after each restart, at most a minute; reset once a run lasted 10 s. */
export const RESTART_BACKOFF = { initialMs: 100, maxMs: 60_000, resetAfterMs: 10_000 } as const;

/** Parses `--restart`, with Docker's sentences for what it refuses (exit 125). Undefined or '' is "no". */
export function parseRestartPolicy(raw: string | undefined): RestartPolicy {
  if (raw === undefined || raw === '') return { name: 'no', maximumRetryCount: 0 };
  const colon = raw.indexOf(':');
  const name = colon < 0 ? raw : raw.slice(0, colon);
  const count = colon < 0 ? '' : raw.slice(colon + 1);
  if (colon === 0) throw new UsageError('Invalid restart policy format: no policy provided before colon.');
  if (count !== '' && !/^-?\d+$/.test(count)) throw new UsageError('Invalid restart policy format: maximum retry count must be an integer.');
  if (!(NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`Invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'.`);
  }
  const n = count === '' ? 0 : Number(count);
  if (n !== 0 && name !== 'on-failure') throw new UsageError(`Invalid restart policy: maximum retry count can only be used with 'on-failure'.`);
  if (n < 0) throw new UsageError('Invalid restart policy: maximum retry count cannot be negative.');
  return { name: name as RestartPolicyName, maximumRetryCount: n };
}

/**
 * The wait before the next restart (Docker's restartmanager): a run of 10 s or more starts the sequence
 * again at 100 ms; otherwise the last delay doubles, up to a minute.
 */
export function nextRestartDelay(previousMs: number | undefined, ranMs: number): number {
  const previous = ranMs >= RESTART_BACKOFF.resetAfterMs ? 0 : (previousMs ?? 0);
  if (previous <= 0) return RESTART_BACKOFF.initialMs;
  return Math.min(previous * 2, RESTART_BACKOFF.maxMs);
}

export interface RunEnd {
  exitCode: number;
  /** `stop` (or `kill` with the stop signal) ended this run: no policy brings it back. */
  cancelled: boolean;
  /** Docker's HasBeenManuallyStopped: `unless-stopped` stays down. */
  manuallyStopped: boolean;
  /** Restarts made by the policy so far (on-failure's limit). */
  restartCount: number;
}

/** Whether the policy restarts a run that ended so (Docker's restartmanager.ShouldRestart). */
export function shouldRestart(policy: RestartPolicy, end: RunEnd): boolean {
  if (end.cancelled) return false;
  switch (policy.name) {
    case 'always':
      return true;
    case 'unless-stopped':
      return !end.manuallyStopped;
    case 'on-failure':
      return end.exitCode !== 0 && (policy.maximumRetryCount === 0 || end.restartCount < policy.maximumRetryCount);
    default:
      return false;
  }
}

/**
 * When the engine starts again after a reboot (`system restart-policies`, run by the mydocker-restart
 * unit): Docker's daemon start brings back `always` containers even if they were stopped by hand,
 * `unless-stopped` ones unless they were, and `on-failure` ones whose last run failed within the limit.
 */
export function restartsAtBoot(policy: RestartPolicy, end: Omit<RunEnd, 'cancelled'>): boolean {
  return shouldRestart(policy, { ...end, cancelled: false });
}
