import type { ContainerContext, EngineConfig, InfoReport, PruneReport } from '@mydocker/core';
import { availableControllers, WANTED_CONTROLLERS } from './detect';
import { hierarchy, managerFor, managerFromExt } from './factory';
import { childDirs, isDir } from './fs-util';
import type { CgroupsExt } from './limits';
import { parseResources, readHostFacts } from './parse';

export const PLUGIN = 'cgroups';

/** validate: parse and check the flags, and that the host can enforce them; nothing is made yet. */
export function validate(ctx: ContainerContext): void {
  const limits = parseResources(ctx.spec.resources ?? {}, readHostFacts());
  const manager = managerFor(hierarchy(), ctx.config.cgroupParent, ctx.id, limits);
  if (!manager) return;
  manager.check(limits);
  const ext: CgroupsExt = { version: manager.version, paths: manager.paths, parent: ctx.config.cgroupParent, limits };
  ctx.setExt(PLUGIN, ext);
}

/** create: make the directories and write the limits, undone if a later step fails. */
export async function create(ctx: ContainerContext): Promise<void> {
  const ext = ctx.ext<CgroupsExt>(PLUGIN);
  if (!ext) return;
  const manager = managerFromExt(ext, ctx.id);
  ctx.onRollback(PLUGIN, () => manager.destroy());
  await manager.create(ext.limits);
}

/** created / execCreated: the process waits before exec, so the limits hold from its first instruction. */
export function attach(ctx: ContainerContext, pid: number | undefined): void {
  const ext = ctx.ext<CgroupsExt>(PLUGIN);
  if (!ext || !pid) return;
  managerFromExt(ext, ctx.id).addProcess(pid);
}

/** stopped: note an OOM kill, then kill stragglers and remove the cgroups (idempotent). */
export async function stopped(ctx: ContainerContext): Promise<void> {
  const ext = ctx.ext<CgroupsExt>(PLUGIN);
  if (!ext) return;
  const manager = managerFromExt(ext, ctx.id);
  if (manager.oomKilled()) ctx.record.oomKilled = true;
  await manager.destroy();
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
  };
}

/** prune: cgroups under the parent whose container has no record are leftovers of a crash. */
export async function prune(report: PruneReport, config: EngineConfig): Promise<void> {
  const h = hierarchy();
  const mounts = h.version === 1 ? [...new Set(WANTED_CONTROLLERS.map((c) => h.mounts[c]).filter(Boolean))] : h.version === 2 ? [h.root] : [];
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
