import { isMydockerError, describeError, type MydockerError, UsageError, type CommandContext, type ContainerRecord, type CommandArgs } from '@mydocker/core';
import { RESOURCE_FLAGS, resourceFlagValues, resourcesOf, type ResourceOptions } from './flags';
import { validExt } from './ext';
import { managerFromExt } from './factory';
import { isDir } from './fs-util';
import type { CgroupsExt, Limits } from './limits';
import { parseBytes, parseResources, readHostFacts } from './parse';

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

/**
 * The limits after `update`: the record's raw flags with the given ones over them, parsed and checked as
 * `run` checks them (so `--memory-swap` below `-m`, a CPU the host lacks, ... are refused the same way).
 * Docker's one extra rule: a new memory limit above an explicit memory+swap limit needs a new swap too.
 */
export function mergeResources(previous: ResourceOptions, given: ResourceOptions, prevLimits: Limits): { raw: ResourceOptions; limits: Limits } {
  const raw: ResourceOptions = { ...previous };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) raw[key as keyof ResourceOptions] = value;
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
  return changes;
}

/**
 * One container, under its lock: check everything, write the live cgroup (all or nothing) when it has
 * one, then the record; if the record cannot be saved, the cgroup is put back.
 */
async function updateOne(ref: string, given: ResourceOptions, ctx: CommandContext): Promise<void> {
  const store = ctx.bus.need('stateStore', 'The "update" command');
  const found = await store.get(ref);
  await store.withLock(found.id, async () => {
    const record: ContainerRecord = await store.get(found.id);
    if (record.damaged)
      throw new UsageError(`Cannot update container ${record.name}: its record is damaged; remove it with \`mydocker rm -f ${record.id.slice(0, 12)}\`.`);
    const ext = record.ext[PLUGIN];
    if (!validExt(ext))
      throw new UsageError(
        `Cannot update container ${record.name}: it was made without cgroup limits (no cgroup hierarchy, or the cgroups plugin was not installed).`,
      );
    const prev = ext.limits ?? {};
    const { raw, limits } = mergeResources(resourcesOf(record.spec), given, prev);
    const manager = managerFromExt(ext, record.id);
    manager.check(limits);
    const live = record.status !== 'stopped' && Object.values(manager.paths).some(isDir);
    const changes = limitChanges(prev, limits);
    if (live) {
      try {
        manager.update(changes);
      } catch (err) {
        throw isMydockerError(err) ? new UsageError(`Cannot update container ${record.name}: ${describeError(err).message}`) : err;
      }
    }
    const updated: ContainerRecord = {
      ...record,
      spec: { ...record.spec, flags: { ...record.spec.flags, [PLUGIN]: { ...record.spec.flags?.[PLUGIN], ...resourceFlagValues(raw) } } },
      ext: { ...record.ext, [PLUGIN]: { ...ext, limits } satisfies CgroupsExt },
    };
    try {
      await store.save(updated);
    } catch (err) {
      if (live) manager.update(limitChanges(limits, prev));
      throw err;
    }
  });
}

/** `update [FLAGS] CONTAINER...`: each name printed once updated; a refusal is one line and changes nothing. */
export async function runUpdate(args: CommandArgs, ctx: CommandContext): Promise<number> {
  const names: string[] = (args.containers ?? []).map(String);
  const given = givenResources(args);
  if (Object.keys(given).length === 0)
    throw new UsageError(
      'You must provide one or more flags when using this command: --cpus, --cpu-shares, --cpuset-cpus, --cpuset-mems, -m/--memory, --memory-swap or --pids-limit.',
    );
  if (names.length === 0) throw new UsageError('"update" requires at least 1 argument: mydocker update [OPTIONS] CONTAINER [CONTAINER...].');
  // Values that cannot be parsed at all are refused before any container is looked at.
  parseResources({ ...given, memorySwap: undefined }, readHostFacts());
  if (given.memorySwap !== undefined && given.memorySwap.trim() !== '-1') parseBytes(given.memorySwap, '--memory-swap');
  let code = 0;
  for (const name of names) {
    try {
      await updateOne(name, given, ctx);
      ctx.stdout.write(`${name}\n`);
    } catch (err) {
      if (!isMydockerError(err)) throw err;
      ctx.stderr.write(`Error: ${describeError(err).message}\n`);
      code = (err as MydockerError).exitCode;
    }
  }
  return code;
}
