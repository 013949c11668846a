import type { ContainerRecord, ContainerStatus } from '@mydocker/core';
import { emptyRunSpec, migrateLegacyRunSpec } from '@mydocker/core';

const STATUSES: ReadonlySet<ContainerStatus> = new Set(['created', 'running', 'stopped']);

export class CorruptRecordError extends Error {}

const optionalNumber = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));
const stringArray = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const object = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses a stored record; a CorruptRecordError says why it cannot be used. Every field the engine acts
 * on is checked for its type: a record that would make it signal a wrong PID or crash on a string where
 * a list belongs is damaged, not half-trusted.
 */
export function parseRecord(text: string, expectedId: string): ContainerRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // Node's message quotes the bad input, which may hold newlines or terminal escapes: say what kind it is instead.
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    const truncated = /end of JSON input/.test(message) || (at !== null && Number(at[1]) >= text.trimEnd().length);
    throw new CorruptRecordError(text.trim() === '' ? 'it is empty' : truncated ? 'it is truncated JSON' : 'it is not valid JSON');
  }
  if (!object(value)) throw new CorruptRecordError('it is not a JSON object');
  const r = value as Partial<ContainerRecord> & Record<string, unknown>;
  if (r.id !== expectedId) throw new CorruptRecordError('its id does not match its directory');
  if (typeof r.name !== 'string' || r.name.length === 0) throw new CorruptRecordError('it has no name');
  if (typeof r.status !== 'string' || !STATUSES.has(r.status as ContainerStatus)) throw new CorruptRecordError('it has no valid status');
  if (typeof r.createdAt !== 'string' || !stringArray(r.command) || !stringArray(r.env ?? [])) {
    throw new CorruptRecordError('its fields have the wrong types');
  }
  for (const key of ['pid', 'pidStartTime', 'monitorPid', 'monitorStartTime', 'creatorPid', 'creatorStartTime', 'exitCode'] as const) {
    if (!optionalNumber(r[key])) throw new CorruptRecordError(`its ${key} is not a number`);
  }
  if (r.ext !== undefined && !object(r.ext)) throw new CorruptRecordError('its ext is not an object');
  if (r.spec !== undefined && !object(r.spec)) throw new CorruptRecordError('its spec is not an object');
  r.ext ??= {};
  r.env ??= [];
  r.spec ??= emptyRunSpec({ image: typeof r.image === 'string' ? r.image : '' });
  // Written before plugins declared their flags: their values move to spec.flags, where plugins read them.
  migrateLegacyRunSpec(r.spec);
  return r as ContainerRecord;
}

export function serializeRecord(record: ContainerRecord): string {
  const { unmonitored: _view, ...stored } = record;
  return `${JSON.stringify(stored, null, 2)}\n`;
}
