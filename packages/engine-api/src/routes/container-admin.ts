import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ApiError, badRequest } from '../api-error';
import { readJson } from '../body';
import type { ApiCall } from '../call';
import { cli } from '../cli-shapes';
import { Collector, runCommand } from '../commands';
import type { ApiContext } from '../context';
import { route, type Route } from '../router';
import { findContainer } from './containers';

/** Docker's `GET /containers/{id}/top` answer (inline in its swagger, so not among docker-types' models). */
export interface ContainerTopResponse {
  Titles: string[];
  Processes: string[][];
}

/**
 * GET /containers/{id}/top?ps_args=…: the CLI's own way (the host's `ps` with the client's options, only
 * the rows of the container's cgroup members), run without blocking the service.
 */
async function top(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  const runtime = api.bus.need('runtime', 'The top endpoint');
  if (r.damaged || r.status !== 'running' || !r.pid || !runtime.isRunning(r)) throw new ApiError(409, `Container ${r.id} is not running`);
  const options = (call.query.get('ps_args') || '-ef').split(/\s+/).filter(Boolean);
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('ps', options, { maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new ApiError(500, `ps ${options.join(' ')} failed: ${stderr.split('\n')[0] || (err as Error).message}`);
  }
  const { titles, rows } = cli().filterPs(stdout, cli().cgroupMembers(r.pid));
  const answer: ContainerTopResponse = { Titles: titles, Processes: rows };
  call.json(200, answer);
}

/** POST /containers/{id}/rename?name=…: the CLI's `rename` (under the container's lock; a taken name is 409). */
async function rename(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  const name = (call.query.get('name') ?? '').replace(/^\//, '');
  if (name === '') throw badRequest('Give the new name: ?name=NEW_NAME.');
  await cli().renameCommand.run({ _: [], container: r.id, newName: name }, { ...api.commandContext, stdout: new Collector(), stderr: new Collector() });
  call.noContent();
}

/**
 * A plugin's per-container command (pause, unpause, update) on one container: those commands report a
 * refusal as one "Error: …" line and their exit code (1 a conflict, 125 bad input), as Docker's CLI.
 */
async function runOnOne(api: ApiContext, name: string, args: Record<string, unknown>): Promise<void> {
  const { code, stderr } = await runCommand(api, name, args);
  if (code === 0) return;
  const message = stderr.trim().replace(/^Error:\s*/, '') || `${name} failed (exit ${code}).`;
  throw new ApiError(code === 125 ? 400 : 409, message);
}

function toggle(verb: 'pause' | 'unpause') {
  return async (call: ApiCall, api: ApiContext): Promise<void> => {
    const r = await findContainer(api, call.params[0]);
    await runOnOne(api, verb, { containers: [r.id] });
    call.noContent();
  };
}

/** Docker's ContainerUpdate fields this engine changes on a live container, as the `update` flags spell them. */
const UPDATE_FIELDS: Array<[field: string, flag: string, value: (v: number | string) => string]> = [
  ['Memory', 'memory', String],
  ['MemorySwap', 'memory-swap', String],
  ['MemoryReservation', 'memory-reservation', String],
  ['NanoCpus', 'cpus', (v) => String(Number(v) / 1e9)],
  ['CpuShares', 'cpu-shares', String],
  ['CpuPeriod', 'cpu-period', String],
  ['CpuQuota', 'cpu-quota', String],
  ['CpusetCpus', 'cpuset-cpus', String],
  ['CpusetMems', 'cpuset-mems', String],
  ['BlkioWeight', 'blkio-weight', String],
  ['PidsLimit', 'pids-limit', String],
  // Accepted and ignored by the cgroups plugin, as Docker 23+ does (kernel memory accounting is gone).
  ['KernelMemory', 'kernel-memory', String],
];

/** Fields Docker's clients send zero or empty when not set; a value in any of them is a change this engine cannot make. */
const UNSUPPORTED = ['CpuRealtimePeriod', 'CpuRealtimeRuntime', 'KernelMemoryTCP'];

/** RestartPolicy as the `--restart` value (`on-failure:N`); an empty Name (what the docker CLI sends without --restart) is none. */
function restartFlag(policy: unknown): string | undefined {
  if (policy === undefined || policy === null) return undefined;
  const { Name, MaximumRetryCount } = policy as { Name?: unknown; MaximumRetryCount?: unknown };
  if (
    typeof policy !== 'object' ||
    (Name !== undefined && typeof Name !== 'string') ||
    (MaximumRetryCount !== undefined && typeof MaximumRetryCount !== 'number')
  )
    throw badRequest('RestartPolicy must be {"Name": string, "MaximumRetryCount": number}.');
  if (!Name) return undefined;
  return Name === 'on-failure' && MaximumRetryCount ? `on-failure:${MaximumRetryCount}` : Name;
}

/** The `update` command's arguments from a ContainerUpdate body (zero and empty values mean "not given", as Docker reads them). */
export function updateArgs(body: Record<string, unknown>): Record<string, string> {
  const args: Record<string, string> = {};
  for (const [field, flag, value] of UPDATE_FIELDS) {
    const v = body[field];
    if (v === undefined || v === null || v === 0 || v === '') continue;
    if (typeof v !== 'number' && typeof v !== 'string') throw badRequest(`${field} must be a number or a string.`);
    args[flag] = value(v);
  }
  for (const field of UNSUPPORTED) {
    const v = body[field];
    if (v !== undefined && v !== null && v !== 0 && v !== '')
      throw badRequest(`${field} cannot be updated by this engine: it has no real-time CPU scheduling or TCP kernel memory limits.`);
  }
  const restart = restartFlag(body.RestartPolicy);
  if (restart !== undefined) args.restart = restart;
  return args;
}

/**
 * POST /containers/{id}/update: the cgroups plugin's `update` (limits of running containers at once, stopped
 * ones from their next start; the restart policy in the record, which the monitor reads).
 */
async function update(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  const args = updateArgs(await readJson(call.req));
  if (Object.keys(args).length > 0) await runOnOne(api, 'update', { containers: [r.id], ...args });
  call.json(200, { Warnings: [] });
}

export const containerAdminRoutes: Route[] = [
  route('GET /containers/{id}/top', top),
  route('POST /containers/{id}/rename', rename),
  route('POST /containers/{id}/pause', toggle('pause')),
  route('POST /containers/{id}/unpause', toggle('unpause')),
  route('POST /containers/{id}/update', update),
];
