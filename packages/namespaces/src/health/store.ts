import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock, type LifecycleBus } from '@mydocker/core';
import type { HealthState } from './state';

/**
 * The health of a container lives in `<containerDir>/health.json`, beside the monitor's exit file, not in
 * the record: checks write it every interval, and must never wait for (or hold) the container's lock,
 * which `stop` keeps for its whole grace period. It goes with the container's directory at `rm`.
 */
export function healthFile(bus: LifecycleBus, id: string): string {
  return join(bus.need('stateStore').containerDir(id), 'health.json');
}

export function readHealth(path: string): HealthState | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as HealthState;
    if (typeof parsed?.startedAt !== 'string' || typeof parsed.status !== 'string' || !Array.isArray(parsed.log)) return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}

/** Read, change and write under a lock of its own, so a check by hand and the monitor's never lose a result. */
export async function updateHealth(
  path: string,
  change: (stored: HealthState | undefined) => HealthState,
): Promise<{ before: HealthState | undefined; after: HealthState }> {
  return withFileLock(`${path}.lock`, async () => {
    const before = readHealth(path);
    const after = change(before);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(after)}\n`);
    renameSync(tmp, path);
    return { before, after };
  });
}
