import { MydockerError, type ContainerContext, type EngineConfig, type InfoReport, type PruneReport } from '@mydocker/core';
import { availableControllers, WANTED_CONTROLLERS } from './detect';
import { deviceRules, describeRule } from './devices/rules';
import { hierarchy, managerFor, managerFromExt } from './factory';
import { CgroupGoneError, childDirs, isDir } from './fs-util';
import { validExt } from './ext';
import { selfJoinDirs } from './membership';
import type { CgroupsExt } from './limits';
import type { CgroupManager } from './manager';
import { discardUnsupported, parseResources, readHostFacts } from './parse';
import { resourcesOf } from './flags';

export const PLUGIN = 'cgroups';

/** validate: parse and check the flags, and that the host can enforce them; nothing is made yet. */
export function validate(ctx: ContainerContext): void {
  const options = resourcesOf(ctx.spec);
  const limits = parseResources(options, readHostFacts());
  const manager = managerFor(hierarchy(), ctx.config.cgroupParent, ctx.id, limits);
  for (const warning of discardUnsupported(limits, options, manager)) process.stderr.write(`${warning}\n`);
  if (!manager) return;
  manager.check(limits);
  const ext: CgroupsExt = { version: manager.version, paths: manager.paths, parent: ctx.config.cgroupParent, limits };
  ctx.setExt(PLUGIN, ext);
}

/**
 * create: make the directories, write the limits and the device rules, undone if a later step fails. The
 * rules are made here, not in validate: the runtime's validate (a later stage) resolves `--device` nodes.
 */
export async function create(ctx: ContainerContext): Promise<void> {
  const ext = ctx.ext<CgroupsExt>(PLUGIN);
  if (!ext) return;
  const rules = deviceRules(ctx.record.devices, ctx.record.privileged === true);
  ext.devices = rules.map(describeRule);
  const manager = managerFromExt(ext, ctx.id);
  ctx.onRollback(PLUGIN, () => manager.destroy());
  await manager.create(ext.limits, rules);
  // The runtime's clone joins these itself before anything runs; `attach` checks and does the rest.
  ctx.cgroupSelfJoin.push(...selfJoinDirs(ext.version, ext.paths));
}

/**
 * created / execCreated: the process waits before exec, so the limits hold from its first instruction. A
 * PID 1 that joined its v1 directories itself (ctx.cgroupSelfJoin) is left where it is; a directory it is
 * not in (a refused or skipped self-join, a runtime without it, cgroup v2) gets it written to cgroup.procs.
 */
export function attach(ctx: ContainerContext, pid: number | undefined): void {
  const ext = ctx.ext<CgroupsExt>(PLUGIN);
  if (!ext || !pid) return;
  try {
    managerFromExt(ext, ctx.id).addProcess(pid);
  } catch (err) {
    // A racing `rm -f` or prune removed the container under us: say that, not which file was missing.
    if (err instanceof CgroupGoneError) throw new MydockerError(`Container ${ctx.record.name} was removed while it was starting.`);
    throw err;
  }
}

/**
 * The manager of the container's cgroups: from the record's ext, or, when the record is damaged or has no
 * ext, from the id alone (the directories are named by id under the configured parent).
 */
function managerOf(ctx: ContainerContext): CgroupManager | undefined {
  const ext = ctx.record.ext?.[PLUGIN];
  if (validExt(ext)) return managerFromExt(ext, ctx.id);
  try {
    return managerFor(hierarchy(), ctx.config.cgroupParent, ctx.id);
  } catch {
    return undefined; // no cgroup hierarchy on this host: nothing was made
  }
}

/** stopped: note an OOM kill, then kill stragglers and remove the cgroups (idempotent). */
export async function stopped(ctx: ContainerContext): Promise<void> {
  const manager = managerOf(ctx);
  if (!manager) return;
  if (manager.oomKilled()) ctx.record.oomKilled = true;
  await manager.destroy();
}

/**
 * remove: whatever `stopped` could not reach (a damaged record that claimed to be stopped) goes now. A
 * no-op when the directories are gone already.
 */
export async function remove(ctx: ContainerContext): Promise<void> {
  const manager = managerOf(ctx);
  if (!manager || !Object.values(manager.paths).some(isDir)) return;
  await manager.destroy();
}

/** Where the device rules are enforced on this host: the sentence `info` shows. */
export function deviceEnforcement(h: ReturnType<typeof hierarchy>): string {
  if (h.version === 1 && h.mounts.devices) return 'cgroup v1 devices controller';
  if (h.version === 1 && h.unified) return `cgroup v2 device program (in ${h.unified})`;
  if (h.version === 2) return 'cgroup v2 device program';
  return 'none: this host has no devices controller and no cgroup2 mount, so device access is not restricted';
}

/** info: Docker's CgroupDriver / CgroupVersion, and what this host offers. */
export function info(report: InfoReport, config: EngineConfig): void {
  const h = hierarchy();
  report.CgroupDriver = 'cgroupfs';
  report.CgroupVersion = h.version === 0 ? 'none' : String(h.version);
  report.Cgroups = {
    Controllers: availableControllers(h),
    Mounts: h.version === 1 ? [...new Set(Object.values(h.mounts))] : h.version === 2 ? [h.root] : [],
    Parent: config.cgroupParent,
    Devices: deviceEnforcement(h),
  };
}

/** prune: cgroups under the parent whose container has no record are leftovers of a crash. */
export async function prune(report: PruneReport, config: EngineConfig): Promise<void> {
  const h = hierarchy();
  const mounts =
    h.version === 1
      ? [...new Set([...WANTED_CONTROLLERS.map((c) => h.mounts[c]), h.unified].filter((m): m is string => Boolean(m)))]
      : h.version === 2
        ? [h.root]
        : [];
  const ids = new Set(mounts.flatMap((mount) => childDirs(`${mount}/${config.cgroupParent}`)));
  for (const id of ids) {
    if (report.knownIds.has(id)) continue;
    const manager = managerFor(h, config.cgroupParent, id);
    if (!manager) continue;
    const existing = [...new Set(Object.values(manager.paths))].filter(isDir);
    await manager.destroy();
    report.removed.push(...existing.map((p) => `cgroup ${p}`));
  }
}
