import { readFileSync } from 'node:fs';

/**
 * Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. Together with the
 * PID it names one process for good, so a recycled PID is never taken for a container.
 */
export function processStartTime(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field 22 is rest[19].
  if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
  const start = Number(rest[19]);
  return Number.isFinite(start) ? start : undefined;
}

/** True when PID is alive and, if a start time is known, is still the same process. Zombies count as gone. */
export function isProcessAlive(pid: number | undefined, startTime?: number): boolean {
  if (!pid || pid <= 0) return false;
  const actual = processStartTime(pid);
  if (actual === undefined) return false;
  return startTime === undefined || actual === startTime;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `pid` is gone; resolves false if it is still alive after `timeoutMs`. */
export async function waitForProcessExit(pid: number | undefined, startTime: number | undefined, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  while (isProcessAlive(pid, startTime)) {
    if (Date.now() >= deadline) return false;
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }
  return true;
}
