import { flagsOf, flagString, NotFoundError } from '@mydocker/core';
import { badRequest, notFound } from '../api-error';
import { readJson } from '../body';
import type { ApiCall } from '../call';
import { runCommand } from '../commands';
import type { ApiContext } from '../context';
import { filterList } from '../docker-filters';
import { route, type Route } from '../router';

/** Networks and volumes: the network and storage plugins' own commands and inspect views. */
async function inspectObject(api: ApiContext, type: 'network' | 'volume', ref: string): Promise<Record<string, unknown>> {
  let view: Record<string, unknown> | undefined;
  try {
    view = await api.bus.hooks.inspectObject.promise({ type, ref });
  } catch (err) {
    if (err instanceof NotFoundError) view = undefined;
    else throw err;
  }
  if (!view) throw notFound(type === 'network' ? `network ${ref} not found` : `get ${ref}: no such volume`);
  // Docker reports only the options a network was created with; the plugin also names the bridge it
  // made, which clients that compare options (docker-compose) would read as a changed network.
  if (type === 'network' && view.Name !== 'bridge' && view.Options && typeof view.Options === 'object') {
    const { 'com.docker.network.bridge.name': _bridge, ...options } = view.Options as Record<string, string>;
    return { ...view, Options: options };
  }
  return view;
}

const string = (v: unknown, name: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${name} in the request body must be a string.`);
  return v;
};

async function networkList(call: ApiCall, api: ApiContext): Promise<void> {
  const { stdout } = await runCommand(api, 'network', { action: 'ls', args: [], quiet: true, trunc: false, filter: filterList(call.query.get('filters')) });
  const out = [];
  for (const id of stdout.split('\n').filter(Boolean)) out.push(await inspectObject(api, 'network', id));
  call.json(200, out);
}

async function networkInspect(call: ApiCall, api: ApiContext): Promise<void> {
  call.json(200, await inspectObject(api, 'network', call.params[0]));
}

async function networkCreate(call: ApiCall, api: ApiContext): Promise<void> {
  const body = await readJson(call.req);
  const name = string(body.Name, 'Name');
  if (!name) throw badRequest('A network needs a Name.');
  const driver = string(body.Driver, 'Driver');
  const ipam = body.IPAM as { Config?: Array<{ Subnet?: string; Gateway?: string }> } | undefined;
  if (ipam !== undefined && (typeof ipam !== 'object' || ipam === null)) throw badRequest('IPAM in the request body must be an object.');
  const config = Array.isArray(ipam?.Config) ? ipam!.Config : [];
  if (config.length > 1) throw badRequest('Only one IPAM config (one subnet) per network is supported by this engine.');
  const existing = await api.bus.hooks.inspectObject.promise({ type: 'network', ref: name }).catch(() => undefined);
  if (existing && (existing as Record<string, unknown>).Name === name) {
    if (body.CheckDuplicate !== false) return call.json(409, { message: `network with name ${name} already exists` });
  }
  const { stdout } = await runCommand(api, 'network', {
    action: 'create',
    args: [name],
    driver,
    subnet: string(config[0]?.Subnet, 'IPAM.Config.Subnet'),
    gateway: string(config[0]?.Gateway, 'IPAM.Config.Gateway'),
  });
  call.json(201, { Id: stdout.trim(), Warning: '' });
}

async function networkRemove(call: ApiCall, api: ApiContext): Promise<void> {
  await inspectObject(api, 'network', call.params[0]);
  await runCommand(api, 'network', { action: 'rm', args: [call.params[0]] });
  call.noContent();
}

async function networkConnect(call: ApiCall, api: ApiContext, action: 'connect' | 'disconnect'): Promise<void> {
  const body = await readJson(call.req);
  const container = string(body.Container, 'Container');
  if (!container) throw badRequest('Give the Container to connect.');
  const network = await inspectObject(api, 'network', call.params[0]);
  // A container that is not running yet and was created on this network joins it at its start (compose
  // connects each container it creates, to set aliases): nothing to do now.
  if (action === 'connect') {
    const record = await api.engine.inspect(container).catch(() => undefined);
    if (record && record.status !== 'running' && [network.Name, network.Id].includes(flagString(flagsOf(record.spec, 'network'), 'network')))
      return call.noContent(200);
  }
  // EndpointConfig's aliases and IPv4 address: `docker network connect --alias --ip`.
  const endpoint = (action === 'connect' ? body.EndpointConfig : undefined) as { Aliases?: unknown; IPAMConfig?: { IPv4Address?: unknown } } | null | undefined;
  const aliases = endpoint?.Aliases ?? [];
  if (!Array.isArray(aliases) || aliases.some((a) => typeof a !== 'string')) throw badRequest('EndpointConfig.Aliases must be an array of strings.');
  const ip = string(endpoint?.IPAMConfig?.IPv4Address, 'EndpointConfig.IPAMConfig.IPv4Address') || undefined;
  await runCommand(api, 'network', { action, args: [call.params[0], container], ...(aliases.length ? { alias: aliases } : {}), ...(ip ? { ip } : {}) });
  call.noContent(200);
}

async function volumeList(call: ApiCall, api: ApiContext): Promise<void> {
  const { stdout } = await runCommand(api, 'volume', { action: 'ls', names: [], quiet: true, filter: filterList(call.query.get('filters')) });
  const out = [];
  for (const name of stdout.split('\n').filter(Boolean)) out.push(await inspectObject(api, 'volume', name));
  call.json(200, { Volumes: out, Warnings: [] });
}

async function volumeCreate(call: ApiCall, api: ApiContext): Promise<void> {
  const body = await readJson(call.req);
  const labels = (body.Labels ?? {}) as Record<string, unknown>;
  const opts = (body.DriverOpts ?? {}) as Record<string, unknown>;
  for (const [k, v] of [...Object.entries(labels), ...Object.entries(opts)])
    if (typeof v !== 'string') throw badRequest(`The value of ${k} in the request body must be a string.`);
  const name = string(body.Name, 'Name');
  const { stdout } = await runCommand(api, 'volume', {
    action: 'create',
    names: name ? [name] : [],
    driver: string(body.Driver, 'Driver') || undefined,
    label: Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    opt: Object.entries(opts).map(([k, v]) => `${k}=${v}`),
  });
  call.json(201, await inspectObject(api, 'volume', name || stdout.trim()));
}

async function volumeInspect(call: ApiCall, api: ApiContext): Promise<void> {
  call.json(200, await inspectObject(api, 'volume', call.params[0]));
}

async function volumeRemove(call: ApiCall, api: ApiContext): Promise<void> {
  await inspectObject(api, 'volume', call.params[0]);
  await runCommand(api, 'volume', { action: 'rm', names: [call.params[0]], force: call.flag('force') });
  call.noContent();
}

export const networkRoutes: Route[] = [
  route('GET /networks', networkList),
  route('POST /networks/create', networkCreate),
  route('GET /networks/{id}', networkInspect),
  route('DELETE /networks/{id}', networkRemove),
  route('POST /networks/{id}/connect', (c, a) => networkConnect(c, a, 'connect')),
  route('POST /networks/{id}/disconnect', (c, a) => networkConnect(c, a, 'disconnect')),
  route('GET /volumes', volumeList),
  route('POST /volumes/create', volumeCreate),
  route('GET /volumes/{name}', volumeInspect),
  route('DELETE /volumes/{name}', volumeRemove),
];
