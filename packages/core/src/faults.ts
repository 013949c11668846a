import type { AsyncSeriesHook } from 'tapable';
import { UsageError } from './errors';

/**
 * Fault injection for the crash-recovery tests: MYDOCKER_FAULT names one step (e.g. `run:after-create`)
 * at which the process SIGKILLs itself, exactly as if the host had killed mydocker there. Nothing runs
 * after the kill (no rollback, no finally), so the tests see what a real crash leaves behind.
 */
export const FAULT_ENV = 'MYDOCKER_FAULT';

/** Every step a fault can name; an unknown step in MYDOCKER_FAULT is refused rather than silently ignored. */
export const FAULT_STEPS = [
  'run:after-validate',
  'run:after-create',
  'run:after-spawn',
  'run:after-created',
  'run:after-start',
  'run:after-started',
  'create:after-create',
  'stop:after-signal',
  'rm:after-preRemove',
  'rm:mid-remove',
  'network:after-bridge',
] as const;

export type FaultStep = (typeof FAULT_STEPS)[number];

/** The step MYDOCKER_FAULT names, if any. */
export function armedFault(env: NodeJS.ProcessEnv = process.env): FaultStep | undefined {
  const value = env[FAULT_ENV];
  if (!value) return undefined;
  if (!(FAULT_STEPS as readonly string[]).includes(value)) {
    throw new UsageError(`${FAULT_ENV}="${value}" names no fault step; known steps: ${FAULT_STEPS.join(', ')}.`);
  }
  return value as FaultStep;
}

/** Kills this process with SIGKILL if MYDOCKER_FAULT names `step`. */
export function faultPoint(step: FaultStep, env: NodeJS.ProcessEnv = process.env): void {
  if (armedFault(env) === step) process.kill(process.pid, 'SIGKILL');
}

/**
 * For a step inside a hook: arms `step` to fire before the middle tap of `hook` runs (half of the taps
 * have done their work, half have not). A no-op unless MYDOCKER_FAULT names `step`.
 */
export function faultInsideHook<T>(step: FaultStep, hook: AsyncSeriesHook<[T]>, env: NodeJS.ProcessEnv = process.env): void {
  if (armedFault(env) !== step) return;
  const taps = (hook as unknown as { taps: unknown[] }).taps.length;
  const middle = Math.floor(taps / 2);
  let seen = 0;
  hook.intercept({
    tap: () => {
      if (seen++ === middle) process.kill(process.pid, 'SIGKILL');
    },
  });
}
