import { MydockerError, UsageError, type EngineEvent } from '@mydocker/core';

/** Docker's `events --filter` keys (those that mean something without Swarm). */
const KEYS = ['container', 'event', 'image', 'label', 'network', 'volume', 'type', 'scope', 'daemon', 'plugin'] as const;
export type EventFilters = Map<string, string[]>;

/**
 * `--filter KEY=VALUE`, repeatable: values of one key are alternatives, different keys must all match.
 * A value without `=` is refused as Docker's client does (125); an unknown key as Docker's daemon does (1).
 */
export function parseEventFilters(values: string[]): EventFilters {
  const filters: EventFilters = new Map();
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`Bad format of filter "${value}" (expected name=value).`);
    const key = value.slice(0, eq).toLowerCase();
    if (!(KEYS as readonly string[]).includes(key)) throw new MydockerError(`Invalid filter '${key}'.`, 1);
    filters.set(key, [...(filters.get(key) ?? []), value.slice(eq + 1)]);
  }
  return filters;
}

/** `exec_create: sh -c …` is matched by `event=exec_create`, as in Docker. */
function actionMatches(action: string, wanted: string): boolean {
  return action === wanted || action.startsWith(`${wanted}:`);
}

/** An id filter matches the full id, a prefix of it, or the name. */
function actorMatches(event: EngineEvent, wanted: string): boolean {
  return event.Actor.ID === wanted || (wanted.length > 0 && event.Actor.ID.startsWith(wanted)) || event.Actor.Attributes.name === wanted;
}

function labelMatches(event: EngineEvent, wanted: string): boolean {
  const eq = wanted.indexOf('=');
  const attrs = event.Actor.Attributes;
  if (eq < 0) return wanted in attrs;
  return attrs[wanted.slice(0, eq)] === wanted.slice(eq + 1);
}

function imageMatches(event: EngineEvent, wanted: string): boolean {
  const image = event.Type === 'image' ? (event.Actor.Attributes.name ?? event.Actor.ID) : event.Actor.Attributes.image;
  if (image === undefined) return false;
  const bare = (ref: string) => (/:[^/]+$/.test(ref) ? ref : `${ref}:latest`);
  return image === wanted || bare(image) === bare(wanted) || (event.Type === 'image' && actorMatches(event, wanted));
}

const KEY_TEST: Record<string, (e: EngineEvent, v: string) => boolean> = {
  type: (e, v) => e.Type === v,
  event: (e, v) => actionMatches(e.Action, v),
  container: (e, v) => e.Type === 'container' && actorMatches(e, v),
  image: imageMatches,
  label: labelMatches,
  // A network filter also matches the connect/disconnect of a container to it (reported on the network).
  network: (e, v) => e.Type === 'network' && actorMatches(e, v),
  volume: (e, v) => e.Type === 'volume' && actorMatches(e, v),
  scope: (e, v) => e.scope === v,
  daemon: (e, v) => e.Type === 'daemon' && actorMatches(e, v),
  plugin: (e, v) => e.Type === 'plugin' && actorMatches(e, v),
};

export function eventMatches(event: EngineEvent, filters: EventFilters): boolean {
  for (const [key, values] of filters) {
    if (!values.some((v) => KEY_TEST[key](event, v))) return false;
  }
  return true;
}
