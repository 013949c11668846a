import { spawn } from 'node:child_process';
import { ApiError, badRequest } from '../api-error';
import type { ApiCall } from '../call';
import type { ApiContext } from '../context';
import { route, type Route } from '../router';
import { firstEntryStat } from '../tar-stat';
import { findContainer } from './containers';

/**
 * GET/HEAD/PUT /containers/{id}/archive: the storage plugin's `cp` command, as `mydocker cp ID:PATH -`
 * and `mydocker cp - ID:PATH` in a child (the command reads a tar from its own stdin): one implementation
 * of copying, with its path resolution inside the container's root (never through a symlink out of it).
 */
function cp(api: ApiContext, args: string[]) {
  const [file, ...pre] = api.config.selfCommand;
  return spawn(file, [...pre, 'cp', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** The cp command's one-sentence error as Docker's status: a missing path 404, anything else 400. */
function cpError(stderr: string, code: number | null): ApiError {
  const sentence =
    stderr
      .trim()
      .split('\n')
      .pop()
      ?.replace(/^Error( response from daemon)?:\s*/i, '') || `cp ended with ${code}`;
  return new ApiError(/no such|not find|not exist|does not exist/i.test(sentence) ? 404 : 400, sentence);
}

function pathOf(call: ApiCall): string {
  const path = call.query.get('path');
  if (!path) throw badRequest('Give the path in the container: ?path=/PATH.');
  if (path.includes('\0')) throw badRequest('The path holds a NUL byte.');
  return path;
}

async function get(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  const path = pathOf(call);
  const child = cp(api, [`${r.id}:${path}`, '-']);
  child.stdin.end();
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let head = Buffer.alloc(0);
  let out: NodeJS.WritableStream | undefined;
  call.onClose(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const stat = firstEntryStat(head);
      if (!stat) return;
      child.stdout.off('data', onData);
      const header = Buffer.from(JSON.stringify(stat)).toString('base64');
      if (call.method === 'HEAD') {
        child.kill('SIGKILL');
        headOnly(call, header);
        return resolve();
      }
      out = call.stream('application/x-tar', 200, { 'X-Docker-Container-Path-Stat': header });
      out.write(head);
      child.stdout.pipe(out);
      resolve();
    };
    child.stdout.on('data', onData);
    child.stdout.once('end', () => resolve());
  });
  const code = await closed;
  if (call.method === 'HEAD' && call.isAnswered) return;
  if (!out) throw cpError(stderr, code);
  if (code !== 0) (out as unknown as { destroy(): void }).destroy();
}

function headOnly(call: ApiCall, header: string): void {
  call.sendWithHeaders(200, { 'X-Docker-Container-Path-Stat': header, 'Content-Type': 'application/x-tar' });
}

async function put(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  const path = pathOf(call);
  const child = cp(api, ['-', `${r.id}:${path}`]);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.resume();
  child.stdin.on('error', () => undefined);
  call.req.pipe(child.stdin);
  call.onClose(() => child.kill('SIGKILL'));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  if (code !== 0) throw cpError(stderr, code);
  call.noContent(200);
}

export const archiveRoutes: Route[] = [
  route('GET /containers/{id}/archive', get),
  route('HEAD /containers/{id}/archive', get),
  route('PUT /containers/{id}/archive', put),
];
