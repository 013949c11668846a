import { formatTimestamp, type EngineEvent } from '@mydocker/core';

export function eventNano(event: EngineEvent): bigint {
  return typeof event.timeNano === 'number' ? BigInt(Math.round(event.timeNano)) : BigInt(event.time) * 1_000_000_000n;
}

/**
 * Docker's plain line: `2026-11-30T12:00:00.000000000Z container start ID (image=busybox, name=web)`,
 * attributes sorted by key.
 */
export function eventLine(event: EngineEvent): string {
  const attrs = Object.keys(event.Actor.Attributes)
    .sort()
    .map((k) => `${k}=${event.Actor.Attributes[k]}`);
  return `${formatTimestamp(eventNano(event))} ${event.Type} ${event.Action} ${event.Actor.ID}${attrs.length ? ` (${attrs.join(', ')})` : ''}`;
}

/** The fields as a Go template names them (Docker's events.Message): .Status, .ID, .Actor.Attributes, … */
export function eventTemplateView(event: EngineEvent): Record<string, unknown> {
  return {
    Status: event.status ?? '',
    ID: event.id ?? '',
    From: event.from ?? '',
    Type: event.Type,
    Action: event.Action,
    Actor: { ID: event.Actor.ID, Attributes: event.Actor.Attributes },
    Scope: event.scope,
    Time: event.time,
    TimeNano: event.timeNano,
  };
}
