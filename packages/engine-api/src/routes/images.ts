import { ApiError, badRequest, messageOf, notFound, notImplemented } from '../api-error';
import { jsonProgress } from '../json-progress';
import type { ImageInspect, ImageSummary } from 'docker-types/generated/1.42';
import type { ApiCall } from '../call';
import { runCommand } from '../commands';
import type { ApiContext } from '../context';
import { filterList } from '../docker-filters';
import { registryAuth } from '../registry-auth';
import { route, type Route } from '../router';

/** The image ids the images plugin's own `images -q --no-trunc` lists (with Docker's filters). */
export async function imageIds(api: ApiContext, filters: string[] = []): Promise<string[]> {
  const { stdout } = await runCommand(api, 'images', { quiet: true, trunc: false, filter: filters });
  return stdout.split('\n').filter(Boolean);
}

/** Docker's image inspect, from the plugin that owns images (the same view `docker inspect` prints). */
export async function inspectImage(api: ApiContext, ref: string): Promise<ImageInspect> {
  let view = await api.bus.hooks.inspectObject.promise({ type: 'image', ref });
  if (!view && api.bus.has('images')) {
    // The store's resolve is what `run` uses: it also provides the engine's default image on first use.
    const found = await api.bus
      .need('images')
      .resolve(ref)
      .catch(() => undefined);
    if (found) view = await api.bus.hooks.inspectObject.promise({ type: 'image', ref });
  }
  if (!view) throw notFound(`No such image: ${ref}`);
  // The images plugin builds Docker's image inspect shape (its own tests check it field by field).
  return view as ImageInspect;
}

async function list(call: ApiCall, api: ApiContext): Promise<void> {
  const out: ImageSummary[] = [];
  for (const id of await imageIds(api, filterList(call.query.get('filters')))) {
    const v = await inspectImage(api, id);
    out.push({
      Id: v.Id ?? id,
      ParentId: v.Parent ?? '',
      RepoTags: v.RepoTags ?? [],
      RepoDigests: v.RepoDigests ?? [],
      Created: Math.floor(Date.parse(v.Created ?? '') / 1000) || 0,
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

/** A pull or push: the images plugin's command, its progress as Docker's JSON stream; a failure mid-way is an error message in it. */
async function progress(call: ApiCall, api: ApiContext, name: 'pull' | 'push', args: Record<string, unknown>, done: string): Promise<void> {
  const out = call.stream('application/json');
  const messages = jsonProgress(out);
  try {
    await runCommand(api, name, args, { stdout: messages, stderr: messages });
    messages.finish(done);
  } catch (err) {
    messages.error(messageOf(err));
  }
  out.end();
}

async function create(call: ApiCall, api: ApiContext): Promise<void> {
  const from = call.query.get('fromImage');
  if (!from) throw notImplemented('Importing an image (fromSrc) through the API is not implemented by this engine: use `mydocker import`.');
  const tag = call.query.get('tag');
  const ref = tag ? (/^sha256:/.test(tag) ? `${from}@${tag}` : `${from}:${tag}`) : from;
  const credentials = registryAuth(call.req.headers['x-registry-auth']);
  await progress(
    call,
    api,
    'pull',
    { reference: ref, platform: call.query.get('platform') || undefined, credentials },
    `Status: Image is up to date for ${ref}`,
  );
}

async function push(call: ApiCall, api: ApiContext): Promise<void> {
  const tag = call.query.get('tag');
  const ref = tag ? `${call.params[0]}:${tag}` : call.params[0];
  const credentials = registryAuth(call.req.headers['x-registry-auth']);
  await inspectImage(api, ref);
  await progress(call, api, 'push', { reference: ref, credentials }, '');
}

async function tag(call: ApiCall, api: ApiContext): Promise<void> {
  const repo = call.query.get('repo');
  if (!repo) throw badRequest('Give the new name: ?repo=REPOSITORY&tag=TAG.');
  await inspectImage(api, call.params[0]);
  const t = call.query.get('tag');
  await runCommand(api, 'tag', { source: call.params[0], target: t ? `${repo}:${t}` : repo });
  call.noContent(201);
}

/** DELETE /images/{name}: the plugin's `rmi`, its "Untagged:"/"Deleted:" lines as Docker's response items. */
async function remove(call: ApiCall, api: ApiContext): Promise<void> {
  await inspectImage(api, call.params[0]);
  const { stdout, stderr, code } = await runCommand(api, 'rmi', { images: [call.params[0]], force: call.flag('force') });
  if (code !== 0) throw new ApiError(409, stderr.trim().replace(/^Error:\s*/, '') || `The image ${call.params[0]} could not be removed.`);
  const items = stdout
    .split('\n')
    .map((l) => /^(Untagged|Deleted): (.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => Boolean(m))
    .map((m) => ({ [m[1]]: m[2] }));
  call.json(200, items);
}

export const imageRoutes: Route[] = [
  route('GET /images/json', list),
  route('POST /images/create', create),
  route('GET /images/{name*}/json', inspect),
  route('POST /images/{name*}/tag', tag),
  route('POST /images/{name*}/push', push),
  route('DELETE /images/{name*}', remove),
];
