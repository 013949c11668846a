import { UsageError, type ContainerRecord } from '@mydocker/core';
import { dockerStatus, type DockerContainerInspect } from './inspect/container-inspect';

const DOCKER_STATES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const KEYS = ['name', 'id', 'status', 'exited', 'health', 'ancestor', 'before', 'since', 'network', 'volume', 'label'];
/** Keys whose test reads the inspect view (the parts plugins fill), not just the record. */
const VIEW_KEYS = new Set(['network', 'volume', 'label', 'health']);
const HEALTH_STATES = ['starting', 'healthy', 'unhealthy', 'none'];

type Matcher = (r: ContainerRecord, v: string, view: DockerContainerInspect | undefined) => boolean;

export interface PsFilter {
  test(r: ContainerRecord, view?: DockerContainerInspect): boolean;
  /** Docker's daemon lists every state once a status filter is given. */
  impliesAll: boolean;
  needsView: boolean;
}

/**
 * Docker's `ps --filter KEY=VALUE`: the same key given twice matches either value, different keys must
 * all match — except `label`, where every given label must match (the daemon's MatchKVList). `status=stopped` is the seed's word for `exited`. `all` is every record (for before/since).
 */
export function psFilter(filters: string[], all: ContainerRecord[]): PsFilter {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    let value = eq < 0 ? '' : f.slice(eq + 1);
    if (!KEYS.includes(key)) throw new UsageError(`Invalid filter "${f}": use one of ${KEYS.map((k) => `${k}=`).join(', ')}.`);
    if (key === 'status') {
      if (value === 'stopped') value = 'exited';
      if (!DOCKER_STATES.includes(value)) throw new UsageError(`Invalid filter "${f}": a status is one of ${DOCKER_STATES.join(', ')}.`);
    }
    if (key === 'health' && !HEALTH_STATES.includes(value))
      throw new UsageError(`Invalid filter "${f}": a health status is one of ${HEALTH_STATES.join(', ')}.`);
    if (key === 'exited' && !/^-?\d+$/.test(value)) throw new UsageError(`Invalid filter "${f}": exited= takes an exit code.`);
    if (key === 'name') regExp(value, f);
    byKey.set(key, [...(byKey.get(key) ?? []), value]);
  }
  const refTime = (v: string, f: string) => {
    const ref = all.find((r) => r.name === v) ?? all.find((r) => r.id.startsWith(v));
    if (!ref || v === '') throw new UsageError(`Invalid filter "${f}": no such container: ${v}.`);
    return ref.createdAt;
  };
  const times = new Map<string, string>();
  for (const key of ['before', 'since']) for (const v of byKey.get(key) ?? []) times.set(`${key}=${v}`, refTime(v, `${key}=${v}`));
  const matchers: Record<string, Matcher> = {
    // Docker matches names as a regular expression, so a plain word matches as a substring.
    name: (r, v) => regExp(v).test(r.name),
    id: (r, v) => r.id.startsWith(v),
    // A paused container is "paused", not "running": only the inspect view (the cgroups plugin) knows.
    status: (r, v, view) => (view?.State.Status ?? dockerStatus(r)) === v,
    exited: (r, v) => r.status === 'stopped' && r.exitCode === Number(v),
    // Docker's health filter: the container's health status, "none" without one.
    health: (_r, v, view) => ((view?.State as { Health?: { Status?: string } } | undefined)?.Health?.Status ?? 'none') === v,
    ancestor: (r, v) =>
      r.image === v ||
      r.image.startsWith(`${v}:`) ||
      (r.imageId !== undefined && v.replace(/^sha256:/, '').length >= 4 && r.imageId.startsWith(v.replace(/^sha256:/, ''))),
    before: (r, v) => r.createdAt < times.get(`before=${v}`)!,
    since: (r, v) => r.createdAt > times.get(`since=${v}`)!,
    network: (_r, v, view) =>
      Object.entries(view?.NetworkSettings.Networks ?? {}).some(([name, ep]) => name === v || (v.length > 0 && Boolean(ep.NetworkID?.startsWith(v)))),
    volume: (_r, v, view) => (view?.Mounts ?? []).some((m) => m.Name === v || m.Destination === v || m.Source === v),
    label: (_r, v, view) => {
      const [k, ...rest] = v.split('=');
      const labels = view?.Config.Labels ?? {};
      return rest.length ? labels[k] === rest.join('=') : k in labels;
    },
  };
  return {
    impliesAll: byKey.has('status'),
    needsView: [...byKey.keys()].some((k) => VIEW_KEYS.has(k)) || (byKey.get('status') ?? []).some((v) => v === 'running' || v === 'paused'),
    test: (r, view) => [...byKey].every(([key, values]) => (key === 'label' ? values.every : values.some).call(values, (v) => matchers[key](r, v, view))),
  };
}

function regExp(source: string, filter = `name=${source}`): RegExp {
  try {
    return new RegExp(source);
  } catch {
    throw new UsageError(`Invalid filter "${filter}": not a valid regular expression.`);
  }
}
