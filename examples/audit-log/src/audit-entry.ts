import type { ContainerRecord } from '@mydocker/core';

/** The steps written, Docker's event action names where there is one. */
export type AuditAction = 'create' | 'start' | 'die' | 'destroy' | 'failed';

/** One line of the audit log: what happened to which container, when, with its labels. */
export interface AuditEntry {
  time: string;
  action: AuditAction;
  id: string;
  name: string;
  image: string;
  /** The container's --label values as KEY=VALUE, so a log can be searched by owner, ticket, … */
  labels: string[];
  pid?: number;
  exitCode?: number;
  /** Why a run/create/start failed (after its undo steps ran). */
  error?: string;
}

/** The entry for `record` at `action`; fields that do not apply to the action are left out. */
export function auditEntry(record: ContainerRecord, action: AuditAction, time: Date, error?: Error): AuditEntry {
  const entry: AuditEntry = {
    time: time.toISOString(),
    action,
    id: record.id,
    name: record.name,
    image: record.image,
    labels: record.spec.labels ?? [],
  };
  if (action === 'start' && record.pid !== undefined) entry.pid = record.pid;
  if (action === 'die' && record.exitCode !== undefined) entry.exitCode = record.exitCode;
  if (action === 'failed' && error) entry.error = error.message;
  return entry;
}

/** One line of JSON Lines: a message with a newline in it stays on its line (JSON escapes it). */
export const auditLine = (entry: AuditEntry): string => `${JSON.stringify(entry)}\n`;
