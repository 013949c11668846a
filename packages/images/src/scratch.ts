import { processStartTime } from '@mydocker/core';
import { randomBytes } from 'node:crypto';

/**
 * A download's scratch folder under `<root>/tmp`, named `KIND-PID-START-RANDOM` as the storage plugin
 * names its own: `system prune` then removes it once its process is gone (a killed pull) and leaves alone
 * the one a running pull is still filling.
 */
export function scratchName(prefix: string): string {
  return `${prefix}${process.pid}-${processStartTime(process.pid) ?? 0}-${randomBytes(6).toString('hex')}`;
}
