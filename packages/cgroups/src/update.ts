import {
  isMydockerError,
  describeError,
  parseRestartPolicy,
  type MydockerError,
  UsageError,
  type CommandContext,
  type ContainerRecord,
  type CommandArgs,
} from '@mydocker/core';
import { RESOURCE_FLAGS, resourceFlagValues, resourcesOf, type ResourceOptions } from './flags';
import { validExt } from './ext';
import { managerFromExt } from './factory';
import { isDir } from './fs-util';
import type { CgroupsExt, Limits } from './limits';
import { discardUnsupported, parseBytes, parseResources, readHostFacts } from './parse';

const PLUGIN = 'cgroups';

/** The `update` flags are `run`'s resource flags, spelled the same. */
export const UPDATE_FLAGS = RESOURCE_FLAGS;

/** The flags the user gave, raw (strings as typed, as `run` keeps them in the record's spec). */
export function givenResources(args: Record<string, unknown>): ResourceOptions {
  const given: ResourceOptions = {};
  for (const [flag, key] of UPDATE_FLAGS) {
    const value = args[flag];
    if (value === undefined) continue;
    if (Array.isArray(value)) throw new UsageError(`--${flag} was given more than once: give it once.`);
    given[key] = String(value);
  }
  return given;
}

/** Flags whose 0 means "leave as it is" in `update` (Docker's zero values of these resources). */
const ZERO_KEEPS: ReadonlyArray<keyof ResourceOptions> = ['cpuPeriod', 'cpuQuota', 'memoryReservation', 'blkioWeight'];

/** Docker's rule: --cpus and --cpu-period/--cpu-quota set the same thing, so one cannot update the other. */
function refuseCpuConflict(previous: ResourceOptions, given: ResourceOptions): void {
  const set = (v: string | undefined) => v !== undefined && v.trim() !== '0';
  const cfs: Array<[keyof ResourceOptions, string]> = [
    ['cpuPeriod', 'CPU Period'],
    ['cpuQuota', 'CPU Quota'],
  ];
  for (const [key, what] of cfs) {
    if (set(given.cpus) && set(previous[key])) throw new UsageError(`Conflicting options: Nano CPUs cannot be updated as ${what} has already been set`);
    if (set(given[key]) && set(previous.cpus)) throw new UsageError(`Conflicting options: ${what} cannot be updated as NanoCPUs has already been set`);
  }
}

/**
 * The limits after `update`: the record's raw flags with the given ones over them, parsed and checked as
 * `run` checks them (so `--memory-swap` below `-m`, a CPU the host lacks, ... are refused the same way).
 * Docker's one extra rule: a new memory limit above an explicit memory+swap limit needs a new swap too.
 */
export function mergeResources(previous: ResourceOptions, given: ResourceOptions, prevLimits: Limits): { raw: ResourceOptions; limits: Limits } {
  refuseCpuConflict(previous, given);
  const raw: ResourceOptions = { ...previous };
  for (const [key, value] of Object.entries(given) as Array<[keyof ResourceOptions, string | undefined]>) {
    if (value === undefined || (ZERO_KEEPS.includes(key) && value.trim() === '0')) continue;
    raw[key] = value;
  }
  if (given.memory !== undefined && given.memorySwap === undefined && prevLimits.memorySwap !== undefined && prevLimits.memorySwap !== -1) {
    if (parseBytes(given.memory, '-m/--memory') > prevLimits.memorySwap) {
      throw new UsageError('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
  }
  return { raw, limits: parseResources(raw, readHostFacts()) };
}

/** What has to be written to the live cgroup to go from `prev` to `next` (memory and swap together). */
export function limitChanges(prev: Limits, next: Limits): Limits {
  const changes: Limits = {};
  if (next.memory !== prev.memory || next.memorySwap !== prev.memorySwap) {
    changes.memory = next.memory;
    changes.memorySwap = next.memorySwap;
  }
  // --cpu-shares 0 is "the default": the kernel's default weight is written back.
  if (next.cpuShares !== prev.cpuShares) changes.cpuShares = next.cpuShares ?? 1024;
  if (next.cpuQuota !== prev.cpuQuota || next.cpuPeriod !== prev.cpuPeriod) {
    changes.cpuQuota = next.cpuQuota ?? -1;
    changes.cpuPeriod = next.cpuPeriod ?? 100_000;
  }
  if (next.cpusetCpus !== prev.cpusetCpus && next.cpusetCpus !== undefined) changes.cpusetCpus = next.cpusetCpus;
  if (next.cpusetMems !== prev.cpusetMems && next.cpusetMems !== undefined) changes.cpusetMems = next.cpusetMems;
  if (next.pidsLimit !== prev.pidsLimit && next.pidsLimit !== undefined) changes.pidsLimit = next.pidsLimit;
  // Only set or changed (0 keeps these in `update`); a roll-back to none writes the kernel's "none".
  if (next.memoryReservation !== prev.memoryReservation) changes.memoryReservation = next.memoryReservation ?? -1;
  if (next.blkioWeight !== prev.blkioWeight && next.blkioWeight !== undefined) changes.blkioWeight = next.blkioWeight;
  return changes;
}

/** What one `update` asks: resource flags as typed, and a restart policy (`--restart`) when given. */
export interface UpdateRequest {
  resources: ResourceOptions;
  restart?: string;
}

/**
 * The cgroup half of an update: the merged limits checked, written to the live cgroup (all or nothing),
 * and the record's spec flags and ext as they will be saved. `undo` puts the live cgroup back.
 */
function updateLimits(record: ContainerRecord, given: ResourceOptions, warn: (line: string) => void): { record: ContainerRecord; undo: () => void } {
  const ext = record.ext[PLUGIN];
  if (!validExt(ext))
    throw new UsageError(
      `Cannot update container ${record.name}: it was made without cgroup limits (no cgroup hierarchy, or the cgroups plugin was not installed).`,
    );
  const prev = ext.limits ?? {};
  const { raw, limits } = mergeResources(resourcesOf(record.spec), given, prev);
  const manager = managerFromExt(ext, record.id);
  const warnings = discardUnsupported(limits, given, manager);
  // A weight the kernel cannot hold is discarded (Docker's warning), and not asked again at the next update.
  if (given.blkioWeight !== undefined && limits.blkioWeight === undefined) raw.blkioWeight = '0';
  manager.check(limits);
  const live = record.status !== 'stopped' && Object.values(manager.paths).some(isDir);
  if (live) {
    try {
      manager.update(limitChanges(prev, limits));
    } catch (err) {
      throw isMydockerError(err) ? new UsageError(`Cannot update container ${record.name}: ${describeError(err).message}`) : err;
    }
  }
  for (const line of warnings) warn(line);
  const updated: ContainerRecord = {
    ...record,
    spec: { ...record.spec, flags: { ...record.spec.flags, [PLUGIN]: { ...record.spec.flags?.[PLUGIN], ...resourceFlagValues(raw) } } },
    ext: { ...record.ext, [PLUGIN]: { ...ext, limits } satisfies CgroupsExt },
  };
  return { record: updated, undo: () => live && manager.update(limitChanges(limits, prev)) };
}

/**
 * `--restart`: the record's policy, running or not. The container's monitor asks the record when the
 * process exits (its exit command decides), so a running container follows the new policy. Docker's
 * refusal for an --rm container.
 */
function updateRestart(record: ContainerRecord, restart: string): ContainerRecord {
  if (record.autoRemove || record.spec.autoRemove)
    throw new UsageError(`Cannot update container ${record.name}: Restart policy cannot be updated because AutoRemove is enabled for the container`);
  return { ...record, spec: { ...record.spec, restart } };
}

/**
 * One container, under its lock: check everything, write the live cgroup (all or nothing) when it has
 * one, then the record; if the record cannot be saved, the cgroup is put back.
 */
async function updateOne(ref: string, request: UpdateRequest, ctx: CommandContext): Promise<void> {
  const store = ctx.bus.need('stateStore', 'The "update" command');
  const found = await store.get(ref);
  await store.withLock(found.id, async () => {
    let record: ContainerRecord = await store.get(found.id);
    if (record.damaged)
      throw new UsageError(`Cannot update container ${record.name}: its record is damaged; remove it with \`mydocker rm -f ${record.id.slice(0, 12)}\`.`);
    if (request.restart !== undefined) record = updateRestart(record, request.restart);
    let undo = () => {};
    if (Object.keys(request.resources).length > 0) ({ record, undo } = updateLimits(record, request.resources, (line) => ctx.stderr.write(`${line}\n`)));
    try {
      await store.save(record);
    } catch (err) {
      undo();
      throw err;
    }
  });
}

const NEED_A_FLAG =
  'You must provide one or more flags when using this command: --blkio-weight, --cpu-period, --cpu-quota, --cpus, --cpu-shares, --cpuset-cpus, --cpuset-mems, --kernel-memory, -m/--memory, --memory-reservation, --memory-swap, --pids-limit or --restart.';

/** The request of `update`, checked before any container is looked at: values that cannot be parsed at all. */
export function updateRequest(args: Record<string, unknown>): UpdateRequest {
  const resources = givenResources(args);
  if (Array.isArray(args.restart)) throw new UsageError('--restart was given more than once: give it once.');
  const restart = args.restart === undefined ? undefined : String(args.restart);
  if (Object.keys(resources).length === 0 && restart === undefined) throw new UsageError(NEED_A_FLAG);
  parseResources({ ...resources, memorySwap: undefined }, readHostFacts());
  if (resources.memorySwap !== undefined && resources.memorySwap.trim() !== '-1') parseBytes(resources.memorySwap, '--memory-swap');
  if (restart !== undefined) parseRestartPolicy(restart);
  return restart === undefined ? { resources } : { resources, restart };
}

/** `update [FLAGS] CONTAINER...`: each name printed once updated; a refusal is one line and changes nothing. */
export async function runUpdate(args: CommandArgs, ctx: CommandContext): Promise<number> {
  const names: string[] = (args.containers ?? []).map(String);
  const request = updateRequest(args);
  if (names.length === 0) throw new UsageError('"update" requires at least 1 argument: mydocker update [OPTIONS] CONTAINER [CONTAINER...].');
  let code = 0;
  for (const name of names) {
    try {
      await updateOne(name, request, ctx);
      ctx.stdout.write(`${name}\n`);
    } catch (err) {
      if (!isMydockerError(err)) throw err;
      ctx.stderr.write(`Error: ${describeError(err).message}\n`);
      code = (err as MydockerError).exitCode;
    }
  }
  return code;
}
