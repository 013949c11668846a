import type { ContainerInspectView, ContainerRecord } from '@mydocker/core';
import { resourcesOf } from './flags';
import type { CgroupsExt } from './limits';

/** Docker's HostConfig resource fields from the limits this plugin wrote (0 / "" / null where unset). */
export function fillInspect(record: ContainerRecord, view: ContainerInspectView): void {
  const ext = record.ext?.cgroups as CgroupsExt | undefined;
  const l = ext?.limits;
  if (!l || typeof l !== 'object') return;
  const hc = view.HostConfig;
  hc.Memory = l.memory ?? 0;
  hc.MemorySwap = l.memorySwap ?? 0;
  hc.CpuShares = l.cpuShares ?? 0;
  // `--cpus` is a quota over a period: Docker reports it as NanoCpus and leaves CpuQuota/CpuPeriod at 0;
  // `--cpu-quota`/`--cpu-period` are reported as given.
  const nano = resourcesOf(record.spec ?? {}).cpus !== undefined;
  hc.NanoCpus = nano && l.cpuQuota && l.cpuPeriod ? Math.round((l.cpuQuota / l.cpuPeriod) * 1e9) : 0;
  hc.CpuQuota = nano ? 0 : (l.cpuQuota ?? 0);
  hc.CpuPeriod = nano ? 0 : (l.cpuPeriod ?? 0);
  hc.MemoryReservation = l.memoryReservation ?? 0;
  hc.BlkioWeight = l.blkioWeight ?? 0;
  // No KernelMemory: API 1.42 (Docker 23) removed it, --kernel-memory is accepted and ignored.
  hc.CpusetCpus = l.cpusetCpus ?? '';
  hc.CpusetMems = l.cpusetMems ?? '';
  hc.PidsLimit = l.pidsLimit === undefined ? null : l.pidsLimit;
}
