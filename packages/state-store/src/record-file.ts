import type { ContainerRecord, ContainerStatus } from '@mydocker/core';
import { emptyRunSpec } from '@mydocker/core';

const STATUSES: ReadonlySet<ContainerStatus> = new Set(['created', 'running', 'stopped']);

export class CorruptRecordError extends Error {}

/** Parses a stored record; a CorruptRecordError says why it cannot be used. */
export function parseRecord(text: string, expectedId: string): ContainerRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CorruptRecordError(`not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CorruptRecordError('not a JSON object');
  const r = value as Partial<ContainerRecord>;
  if (r.id !== expectedId) throw new CorruptRecordError(`its id does not match its directory`);
  if (typeof r.name !== 'string' || r.name.length === 0) throw new CorruptRecordError('it has no name');
  if (typeof r.status !== 'string' || !STATUSES.has(r.status as ContainerStatus)) throw new CorruptRecordError('it has no valid status');
  if (typeof r.ext !== 'object' || r.ext === null) r.ext = {};
  if (typeof r.spec !== 'object' || r.spec === null) r.spec = emptyRunSpec({ image: r.image ?? '' });
  return r as ContainerRecord;
}

export function serializeRecord(record: ContainerRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/**
 * Stands in for a record that cannot be read, so that `rm -f` still works: it reads as stopped and
 * carries no plugin data, so every plugin's remove step has nothing to undo but its idempotent clean-up.
 */
export function placeholderRecord(id: string, name: string | undefined, reason: string, createdAt: Date): ContainerRecord {
  return {
    id,
    name: name ?? id,
    image: '',
    command: [],
    createdAt: createdAt.toISOString(),
    status: 'stopped',
    env: [],
    hostname: '',
    workdir: '/',
    tty: false,
    detach: false,
    autoRemove: false,
    spec: emptyRunSpec({ image: '' }),
    ext: { 'state-store': { unreadable: reason } },
  };
}
