import { readFileSync, readlinkSync } from 'node:fs';

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
    // At most 10 ms late: a poll is one read of /proc/PID/stat (~20 µs), while a 50 ms cap cost `stop`
    // and `rm` ~25 ms on average per wait (Node has no pidfd to wait on instead).
    delay = Math.min(delay * 2, 10);
  }
  return true;
}

/** `/proc/PID/ns/pid` ("pid:[4026531836]"), or undefined when the process is gone or unreadable. */
export function pidNamespaceOf(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** What the engine knows of the process a record names. */
export interface ProcessProof {
  /** A live process with that PID is the container's: it may be signalled. */
  ours: boolean;
  /** A live process has that PID but cannot be proven to be the container's: it must be left alone. */
  stranger?: string;
}

/**
 * Proves that `pid` is still the container's PID 1 before anything signals it: the start time must be
 * the recorded one (a recycled PID starts later), and the process must live in the pid namespace
 * recorded at spawn, or (for records made before that was kept) at least not in ours, since every
 * container's PID 1 has its own. A record without a start time proves nothing.
 */
export function proveContainerProcess(pid: number | undefined, startTime: number | undefined, pidNamespace: string | undefined): ProcessProof {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return { ours: false };
  const actual = processStartTime(pid);
  if (actual === undefined) return { ours: false };
  if (startTime === undefined) return { ours: false, stranger: `PID ${pid} has no start time in the record` };
  if (actual !== startTime) return { ours: false, stranger: `PID ${pid} started at another time than the record says (it was reused)` };
  const ns = pidNamespaceOf(pid);
  if (ns === undefined) return { ours: false };
  if (pidNamespace !== undefined ? ns !== pidNamespace : ns === pidNamespaceOf('self')) {
    return { ours: false, stranger: `PID ${pid} is not in the container's pid namespace` };
  }
  return { ours: true };
}
