import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ApiError, badRequest } from '../api-error';
import type { ApiCall } from '../call';
import { runCommand } from '../commands';
import type { ApiContext } from '../context';
import { route, type Route } from '../router';
import { inspectImage } from './images';

/** A scratch directory of the service under the run root, removed when the request ends either way. */
async function withScratch<T>(api: ApiContext, fn: (dir: string) => Promise<T>): Promise<T> {
  const base = join(api.config.runRoot, 'engine-api');
  await mkdir(base, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(base, 'archive-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * GET /images/{name}/get and GET /images/get?names=…: the images plugin's `save` (a docker-save tar with
 * the OCI layout) into a scratch file, then streamed; every name is checked first, so a missing one is a
 * clean 404 rather than a cut stream.
 */
async function get(call: ApiCall, api: ApiContext): Promise<void> {
  const names = call.params.length > 0 ? [call.params[0]] : call.query.getAll('names');
  if (names.length === 0) throw badRequest('Give the images to save: ?names=NAME (repeatable).');
  for (const n of names) await inspectImage(api, n);
  await withScratch(api, async (dir) => {
    const file = join(dir, 'images.tar');
    const { code, stderr } = await runCommand(api, 'save', { images: names, output: file });
    if (code !== 0) throw new ApiError(500, stderr.trim().replace(/^Error:\s*/, '') || 'The images could not be saved.');
    const out = call.stream('application/x-tar');
    await pipeline(createReadStream(file), out).catch(() => undefined);
  });
}

/**
 * POST /images/load: the request's tar into a scratch file, then the images plugin's `load` (docker-save
 * or OCI archives); its "Loaded image: …" lines become Docker's JSON stream messages.
 */
async function load(call: ApiCall, api: ApiContext): Promise<void> {
  await withScratch(api, async (dir) => {
    const file = join(dir, 'load.tar');
    await pipeline(call.req, createWriteStream(file, { mode: 0o600 }));
    const { code, stdout, stderr } = await runCommand(api, 'load', { input: file, quiet: false });
    if (code !== 0) throw new ApiError(400, stderr.trim().replace(/^Error:\s*/, '') || 'The archive could not be loaded.');
    const lines = stdout.split('\n').filter((l) => l.startsWith('Loaded image'));
    call.send(200, lines.map((l) => `${JSON.stringify({ stream: `${l}\n` })}\n`).join(''), 'application/json');
  });
}

export const imageArchiveRoutes: Route[] = [route('GET /images/get', get), route('GET /images/{name*}/get', get), route('POST /images/load', load)];
