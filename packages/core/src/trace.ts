/**
 * MYDOCKER_TRACE=1 prints one line per phase to stderr: milliseconds since the process started
 * (performance.now() counts from Node's own start, so Node's boot is included) and since the previous
 * mark. The previous mark lives on globalThis so that the CLI's bin (which marks before any module is
 * loaded) and any copy of core agree. Off, a mark costs one boolean test.
 */
const level = process.env.MYDOCKER_TRACE;
const enabled = level === '1' || level === 'taps';
/** MYDOCKER_TRACE=taps also times every plugin's tap on every lifecycle hook. */
const tapsEnabled = level === 'taps';
const LAST = Symbol.for('mydocker.trace.last');

export function traceEnabled(): boolean {
  return enabled;
}

export function traceTapsEnabled(): boolean {
  return tapsEnabled;
}

/** Prints how long one tap took (MYDOCKER_TRACE=taps), without moving the phase clock. */
export function traceTap(hook: string, tap: string, ms: number): void {
  process.stderr.write(`[trace]            ${ms.toFixed(1).padStart(6)}    ${hook} / ${tap}\n`);
}

export function trace(phase: string): void {
  if (!enabled) return;
  const g = globalThis as { [LAST]?: number };
  const now = performance.now();
  const delta = now - (g[LAST] ?? 0);
  g[LAST] = now;
  process.stderr.write(`[trace] ${now.toFixed(1).padStart(7)} ms  +${delta.toFixed(1).padStart(6)}  ${phase}\n`);
}
