import { NotFoundError, type ContainerRecord } from '@mydocker/core';
import { ApiError, badRequest, notFound } from '../api-error';
import { readJson } from '../body';
import type { ApiCall } from '../call';
import type { ApiContext } from '../context';
import { createBodyToSpec } from '../create-spec';
import { filterList } from '../docker-filters';
import { route, type Route } from '../router';
import { cli } from '../cli-shapes';
import type { ContainerSummary, Port } from 'docker-types/generated/1.42';

/** A container by name, id or unique id prefix, as Docker's 404 names it. */
export async function findContainer(api: ApiContext, ref: string): Promise<ContainerRecord> {
  try {
    return await api.engine.inspect(ref);
  } catch (err) {
    if (err instanceof NotFoundError) throw notFound(`No such container: ${ref}`);
    throw err;
  }
}

/** Docker's container summary (GET /containers/json) from the same inspect view `docker inspect` shows. */
async function summary(api: ApiContext, r: ContainerRecord, now: number, size: boolean): Promise<ContainerSummary> {
  const { containerInspect, dockerStatus, dockerStatusText } = cli();
  const view = await containerInspect(api.bus, r, { size });
  const ports: Port[] = [];
  for (const [key, bindings] of Object.entries(view.NetworkSettings.Ports ?? {})) {
    const [port, type] = key.split('/');
    if (!bindings || bindings.length === 0) ports.push({ PrivatePort: Number(port), Type: (type ?? 'tcp') as Port['Type'] });
    for (const b of bindings ?? [])
      ports.push({ IP: b.HostIp || '0.0.0.0', PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: (type ?? 'tcp') as Port['Type'] });
  }
  return {
    Id: r.id,
    Names: [`/${r.name}`],
    Image: r.image,
    ImageID: view.Image,
    Command: r.command.join(' '),
    Created: Math.floor(Date.parse(r.createdAt) / 1000),
    Ports: ports,
    ...(size ? { SizeRw: view.SizeRw ?? 0, SizeRootFs: view.SizeRootFs ?? 0 } : {}),
    Labels: view.Config.Labels ?? {},
    State: dockerStatus(r),
    Status: dockerStatusText(r, now),
    HostConfig: { NetworkMode: view.HostConfig.NetworkMode ?? 'none' },
    NetworkSettings: { Networks: view.NetworkSettings.Networks ?? {} },
    Mounts: view.Mounts,
  };
}

async function list(call: ApiCall, api: ApiContext): Promise<void> {
  const { psFilter, containerInspect } = cli();
  const records = await api.engine.list();
  records.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  const filters = filterList(call.query.get('filters'));
  // psFilter is the CLI's: Docker's semantics, labels ANDed (compose asks for project=X and oneoff=False at once).
  const filter = psFilter(filters, records);
  const limit = Number(call.query.get('limit') ?? -1);
  const all = call.flag('all') || filter.impliesAll || limit > 0;
  const size = call.flag('size');
  const now = Date.now();
  const out = [];
  for (const r of records) {
    if (!all && r.status !== 'running') continue;
    const view = filter.needsView ? await containerInspect(api.bus, r) : undefined;
    if (!filter.test(r, view)) continue;
    out.push(await summary(api, r, now, size));
    if (limit > 0 && out.length >= limit) break;
  }
  call.json(200, out);
}

/** Creates this service has under way: their records are `created` before they are whole. */
let creating = 0;

/**
 * Whether a `created` record of this process may still be in the making: the engine's prune rule (a live
 * creator means "being made") cannot tell for the service, which outlives every container it creates.
 */
export function ownCreatesInFlight(): boolean {
  return creating > 0;
}

async function create(call: ApiCall, api: ApiContext): Promise<void> {
  const body = await readJson(call.req);
  const name = call.query.get('name') ?? undefined;
  if (name !== undefined && name !== '' && !/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw badRequest(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  const { spec, warnings } = createBodyToSpec(body, name?.replace(/^\//, ''), api.bus.flags);
  // The image must be there: Docker's 404 makes its clients pull and create again.
  try {
    await api.bus.need('images', 'Creating a container').resolve(spec.image);
  } catch (err) {
    if (err instanceof NotFoundError)
      throw notFound(`No such image: ${spec.image.includes(':') || spec.image.includes('@') ? spec.image : `${spec.image}:latest`}`);
    throw err;
  }
  creating++;
  try {
    const record = await api.engine.create(spec);
    call.json(201, { Id: record.id, Warnings: warnings });
  } finally {
    creating--;
  }
}

async function inspect(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  call.json(200, await cli().containerInspect(api.bus, r, { size: call.flag('size') }));
}

async function start(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  try {
    const result = await api.engine.start(r.id, { openStdin: true });
    if (result.alreadyRunning) return call.noContent(304);
  } catch (err) {
    // Docker's daemon removes an --rm container whose start failed; its client waits for that removal.
    if (r.autoRemove) await api.engine.remove(r.id, { force: true, volumes: true }).catch(() => undefined);
    throw err;
  }
  call.noContent();
}

function seconds(call: ApiCall): number | undefined {
  const t = call.query.get('t');
  if (t === null || t === '') return undefined;
  if (!/^-?\d+$/.test(t)) throw badRequest(`Invalid value for t: "${t}" is not a whole number of seconds.`);
  return Number(t);
}

async function stop(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  const timeoutSeconds = seconds(call);
  if (r.status !== 'running') return call.noContent(304);
  await api.engine.stop(r.id, { timeoutSeconds });
  call.noContent();
}

async function restart(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  await api.engine.stop(r.id, { timeoutSeconds: seconds(call) });
  await api.engine.start(r.id, { openStdin: true });
  call.noContent();
}

async function kill(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  const raw = call.query.get('signal') || 'SIGKILL';
  const name = /^\d+$/.test(raw) ? Number(raw) : raw.toUpperCase().startsWith('SIG') ? raw.toUpperCase() : `SIG${raw.toUpperCase()}`;
  const { constants } = await import('node:os');
  if (typeof name === 'string' && !(name in constants.signals)) throw badRequest(`Invalid signal: ${raw}`);
  if (r.status !== 'running') throw new ApiError(409, `Container ${r.id} is not running`);
  await api.engine.kill(r.id, name as NodeJS.Signals | number);
  call.noContent();
}

async function remove(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  const force = call.flag('force');
  if (!force && r.status === 'running') {
    throw new ApiError(409, `You cannot remove a running container ${r.id}. Stop the container before attempting removal or force remove`);
  }
  await api.engine.remove(r.id, { force, volumes: call.flag('v') });
  call.noContent();
}

export const containerRoutes: Route[] = [
  route('GET /containers/json', list),
  route('POST /containers/create', create),
  route('GET /containers/{id}/json', inspect),
  route('POST /containers/{id}/start', start),
  route('POST /containers/{id}/stop', stop),
  route('POST /containers/{id}/restart', restart),
  route('POST /containers/{id}/kill', kill),
  route('DELETE /containers/{id}', remove),
];
