import { constants } from 'node:os';
import type { LifecycleBus } from './bus';
import type { ContainerRecord } from './model';
import { Stage } from './plugin';

const NAME = 'events';
/** After the state store has written (or deleted) the record: an event tells of what is done. */
const AFTER_RECORD = Stage.AFTER_RECORD;

/** Docker's container event attributes: name, image, and the container's labels. */
export function containerEventAttributes(record: ContainerRecord, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const attributes: Record<string, string | undefined> = {};
  // Labels are the spec's when `run --label` fills them (a map or KEY=VALUE entries).
  const labels = (record.spec as unknown as { labels?: unknown })?.labels;
  if (Array.isArray(labels)) {
    for (const l of labels) if (typeof l === 'string') attributes[l.split('=')[0]] = l.includes('=') ? l.slice(l.indexOf('=') + 1) : '';
  } else if (labels && typeof labels === 'object') {
    for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') attributes[k] = v;
  }
  return { ...attributes, image: record.image, name: record.name, ...extra };
}

/** A signal as Docker's `kill` event names it: its number. */
export function signalNumber(signal: NodeJS.Signals | number): string {
  return String(typeof signal === 'number' ? signal : (constants.signals[signal] ?? signal));
}

export function emitContainerEvent(bus: LifecycleBus, action: string, record: ContainerRecord, extra?: Record<string, string | undefined>): Promise<void> {
  return bus.emitEvent({ type: 'container', action, id: record.id, attributes: containerEventAttributes(record, extra) });
}

/**
 * The container lifecycle events, from the bus's own hooks (the engine stays free of them): create
 * (and destroy if the run is undone), start, die with the exit code, destroy. `stop` and `kill` have
 * no hook of their own; the engine emits them.
 */
export function applyEventTaps(bus: LifecycleBus): void {
  const { hooks } = bus;
  hooks.create.tapPromise({ name: NAME, stage: AFTER_RECORD }, async (ctx) => {
    await emitContainerEvent(bus, 'create', ctx.record);
    ctx.onRollback(NAME, () => emitContainerEvent(bus, 'destroy', ctx.record));
  });
  hooks.started.tapPromise({ name: NAME, stage: AFTER_RECORD }, (ctx) => emitContainerEvent(bus, 'start', ctx.record));
  hooks.stopped.tapPromise({ name: NAME, stage: AFTER_RECORD }, (ctx) =>
    emitContainerEvent(bus, 'die', ctx.record, { exitCode: ctx.record.exitCode === undefined ? undefined : String(ctx.record.exitCode) }),
  );
  hooks.remove.tapPromise({ name: NAME, stage: AFTER_RECORD }, (ctx) => emitContainerEvent(bus, 'destroy', ctx.record));
}
