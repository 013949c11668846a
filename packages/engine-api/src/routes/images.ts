import { notFound } from '../api-error';
import type { ApiCall } from '../call';
import { runCommand } from '../commands';
import type { ApiContext } from '../context';
import { filterList } from '../docker-filters';
import { route, type Route } from '../router';

/** The image ids the images plugin's own `images -q --no-trunc` lists (with Docker's filters). */
export async function imageIds(api: ApiContext, filters: string[] = []): Promise<string[]> {
  const { stdout } = await runCommand(api, 'images', { quiet: true, trunc: false, filter: filters });
  return stdout.split('\n').filter(Boolean);
}

/** Docker's image inspect, from the plugin that owns images (the same view `docker inspect` prints). */
export async function inspectImage(api: ApiContext, ref: string): Promise<Record<string, any>> {
  const view = await api.bus.hooks.inspectObject.promise({ type: 'image', ref });
  if (!view) throw notFound(`No such image: ${ref}`);
  return view as Record<string, any>;
}

async function list(call: ApiCall, api: ApiContext): Promise<void> {
  const out = [];
  for (const id of await imageIds(api, filterList(call.query.get('filters')))) {
    const v = await inspectImage(api, id);
    out.push({
      Id: v.Id,
      ParentId: v.Parent ?? '',
      RepoTags: v.RepoTags ?? [],
      RepoDigests: v.RepoDigests ?? [],
      Created: Math.floor(Date.parse(v.Created) / 1000) || 0,
      Size: v.Size ?? 0,
      SharedSize: -1,
      VirtualSize: v.Size ?? 0,
      Labels: v.Config?.Labels ?? {},
      Containers: -1,
    });
  }
  call.json(200, out);
}

async function inspect(call: ApiCall, api: ApiContext): Promise<void> {
  call.json(200, await inspectImage(api, call.params[0]));
}

export const imageRoutes: Route[] = [route('GET /images/json', list), route('GET /images/{name*}/json', inspect)];
