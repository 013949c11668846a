import { isProcessAlive, pruneVerdict, type ContainerRecord } from '@mydocker/core';
import { badRequest } from '../api-error';
import type { ApiCall } from '../call';
import { runCommand } from '../commands';
import type { ApiContext } from '../context';
import { filterList } from '../docker-filters';
import { route, type Route } from '../router';
import { cli } from '../cli-shapes';
import { ownCreatesInFlight } from './containers';

const UNITS: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };

/**
 * The bytes of a plugin's "Total reclaimed space: 1.23MB" line (Docker's decimal units, three significant
 * digits: the plugins report their sum only this way).
 */
export function reclaimedBytes(text: string): number {
  const m = /Total reclaimed space:\s*([\d.]+)\s*([kKMGT]?B)/.exec(text);
  return m ? Math.round(Number(m[1]) * (UNITS[m[2]] ?? 1)) : 0;
}

/** The lines under a "Deleted …:" heading of a prune report, up to the blank line. */
export function listedUnder(text: string, heading: string): string[] {
  const at = text.indexOf(`${heading}\n`);
  if (at < 0) return [];
  const out: string[] = [];
  for (const line of text.slice(at + heading.length + 1).split('\n')) {
    if (line.trim() === '') break;
    out.push(line.trim());
  }
  return out;
}

/** Docker's prune filters split into label filters (the only kind every prune here takes) and the rest. */
function pruneFilters(call: ApiCall, allowed: string[]): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const f of filterList(call.query.get('filters'))) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    if (!allowed.includes(key)) throw badRequest(`Invalid filter "${key}": this prune takes ${allowed.join(', ')}.`);
    byKey.set(key, [...(byKey.get(key) ?? []), eq < 0 ? '' : f.slice(eq + 1)]);
  }
  return byKey;
}

/** A label filter (`KEY`, `KEY=VALUE`, or `label!=` negated) against a set of labels. */
function labelled(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  return eq < 0 ? filter in labels : labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

/** Docker's `until`: a Unix time, or an RFC 3339 date. */
function untilMs(v: string): number {
  const ms = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v);
  if (Number.isNaN(ms)) throw badRequest(`Invalid until filter "${v}": give a Unix time or an RFC 3339 date.`);
  return ms;
}

/**
 * POST /containers/prune: every container that is not running, through the engine's `remove` (so every
 * plugin's taps run), as `system prune` decides (a record whose creating process still lives is being made).
 */
async function containers(call: ApiCall, api: ApiContext): Promise<void> {
  const filters = pruneFilters(call, ['label', 'label!', 'until']);
  const runtime = api.bus.need('runtime', 'The containers prune endpoint');
  const labels = (r: ContainerRecord) => cli().labelMap(r.spec.labels);
  const deleted: string[] = [];
  for (const r of await api.engine.list()) {
    const alive = r.status !== 'stopped' && runtime.isRunning(r);
    const ours = r.creatorPid === process.pid;
    const creatorAlive = ours ? ownCreatesInFlight() : isProcessAlive(r.creatorPid, r.creatorStartTime);
    if (pruneVerdict(r, alive, creatorAlive) !== 'remove') continue;
    if (!(filters.get('label') ?? []).every((l) => labelled(labels(r), l))) continue;
    if ((filters.get('label!') ?? []).some((l) => labelled(labels(r), l))) continue;
    if ((filters.get('until') ?? []).some((u) => Date.parse(r.createdAt) >= untilMs(u))) continue;
    await api.engine.remove(r.id, { force: false, volumes: false });
    deleted.push(r.id);
  }
  call.json(200, { ContainersDeleted: deleted, SpaceReclaimed: 0 });
}

/** POST /images/prune: the images plugin's `image prune -f` (dangling only, or every unused one with dangling=false). */
async function images(call: ApiCall, api: ApiContext): Promise<void> {
  const filters = pruneFilters(call, ['dangling', 'label', 'label!']);
  const dangling = (filters.get('dangling') ?? ['true']).every((v) => ['true', '1', ''].includes(v));
  const rest = ['prune', '-f', ...(dangling ? [] : ['-a'])];
  for (const key of ['label', 'label!']) for (const v of filters.get(key) ?? []) rest.push('--filter', `${key}=${v}`);
  const { stdout } = await runCommand(api, 'image', { rest });
  const items = listedUnder(stdout, 'Deleted Images:').map((l) => {
    const [kind, ...value] = l.split(': ');
    return kind === 'untagged' ? { Untagged: value.join(': ') } : { Deleted: value.join(': ') };
  });
  call.json(200, { ImagesDeleted: items, SpaceReclaimed: reclaimedBytes(stdout) });
}

/** POST /volumes/prune: the storage plugin's `volume prune -f` — anonymous volumes only unless `all=true` (API 1.42+; every unused one before). */
async function volumes(call: ApiCall, api: ApiContext): Promise<void> {
  const filters = pruneFilters(call, ['label', 'label!', 'all']);
  // Before API 1.42 a volume prune took every unused volume, named ones too (Docker 20.10's client asks 1.41).
  const all = (filters.get('all') ?? []).some((v) => ['true', '1'].includes(v)) || Number(call.version) < 1.42;
  const filter = [...(filters.get('label') ?? []).map((v) => `label=${v}`), ...(filters.get('label!') ?? []).map((v) => `label!=${v}`)];
  const { stdout } = await runCommand(api, 'volume', { action: 'prune', names: [], force: true, all, filter });
  call.json(200, { VolumesDeleted: listedUnder(stdout, 'Deleted Volumes:'), SpaceReclaimed: reclaimedBytes(stdout) });
}

/** POST /networks/prune: the network plugin's `network prune` (every network no container uses). */
async function networks(call: ApiCall, api: ApiContext): Promise<void> {
  pruneFilters(call, []);
  const { stdout } = await runCommand(api, 'network', { action: 'prune', args: [] });
  call.json(200, { NetworksDeleted: listedUnder(stdout, 'Deleted Networks:') });
}

export const pruneRoutes: Route[] = [
  route('POST /containers/prune', containers),
  route('POST /images/prune', images),
  route('POST /volumes/prune', volumes),
  route('POST /networks/prune', networks),
];
