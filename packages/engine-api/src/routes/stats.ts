import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { ContainerRecord, ContainerUsage } from '@mydocker/core';
import { notImplemented } from '../api-error';
import type { ApiCall } from '../call';
import type { ApiContext } from '../context';
import { route, type Route } from '../router';
import { findContainer } from './containers';

/** The host's CPU time in nanoseconds (all CPUs, /proc/stat's first line), Docker's `system_cpu_usage`. */
export function systemCpuNs(procStat: string): number {
  const fields = procStat.split('\n')[0].trim().split(/\s+/).slice(1, 8).map(Number);
  // USER_HZ is 100 on every Linux ABI Node runs on.
  return fields.reduce((a, b) => a + (b || 0), 0) * 10_000_000;
}

interface CpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage: number;
  online_cpus: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

/**
 * Docker's cpu_stats from the cgroups service's reading: total, per-CPU (cgroup v1 only: Docker leaves it
 * out on v2 too), user/kernel split and CFS throttling, all in nanoseconds.
 */
export function cpuStats(u: ContainerUsage | undefined, system: number): CpuStats {
  const t = u?.cpuThrottling;
  return {
    cpu_usage: {
      total_usage: u?.cpuUsageNs ?? 0,
      ...(u?.cpuPerCpuNs ? { percpu_usage: u.cpuPerCpuNs } : {}),
      usage_in_kernelmode: u?.cpuKernelNs ?? 0,
      usage_in_usermode: u?.cpuUserNs ?? 0,
    },
    system_cpu_usage: u ? system : 0,
    online_cpus: cpus().length,
    throttling_data: { periods: t?.periods ?? 0, throttled_periods: t?.throttledPeriods ?? 0, throttled_time: t?.throttledTimeNs ?? 0 },
  };
}

/** Docker's stats object (swagger's `ContainerStatsResponse`, untyped there: the shape its CLI reads). */
export function statsObject(r: ContainerRecord, now: { usage: ContainerUsage; system: number }, before?: { usage: ContainerUsage; system: number }) {
  const u = now.usage;
  const running = r.status === 'running';
  const blk = (op: 'read' | 'write', value: number | undefined) => ({ major: 0, minor: 0, op, value: value ?? 0 });
  return {
    name: `/${r.name}`,
    id: r.id,
    read: running ? new Date().toISOString() : '0001-01-01T00:00:00Z',
    preread: before ? new Date(Date.now() - Math.round((u.at - before.usage.at) / 1e6)).toISOString() : '0001-01-01T00:00:00Z',
    pids_stats: { current: u.pids ?? 0 },
    blkio_stats: { io_service_bytes_recursive: running ? [blk('read', u.blockRead), blk('write', u.blockWrite)] : null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(u, now.system),
    precpu_stats: cpuStats(before?.usage, before?.system ?? 0),
    memory_stats: running ? { usage: u.memoryUsage ?? 0, limit: Math.min(u.memoryLimit ?? totalmem(), totalmem()), stats: {} } : {},
    ...(u.net
      ? {
          networks: {
            eth0: { rx_bytes: u.net.rx, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: u.net.tx, tx_packets: 0, tx_errors: 0, tx_dropped: 0 },
          },
        }
      : {}),
  };
}

/**
 * GET /containers/{id}/stats: the cgroups plugin's reading (the numbers `mydocker stats` shows), in
 * Docker's shape. One-shot (stream=false) takes two readings a second apart so that the client's CPU %
 * has its `precpu_stats` (as Docker's daemon does, unless one-shot=true); a stream sends one a second
 * until the client goes or the container stops.
 */
async function stats(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  const service = api.bus.need('cgroups', 'The stats endpoint');
  if (!service.usage) throw notImplemented('The installed cgroups plugin gives no usage readings: stats is not available.');
  const read = async () => {
    const now = await api.engine.inspect(r.id).catch(() => r);
    return { record: now, reading: { usage: service.usage!(now), system: systemCpuNs(readFileSync('/proc/stat', 'utf8')) } };
  };
  let gone = false;
  let wake: () => void = () => undefined;
  call.onClose(() => {
    gone = true;
    wake();
  });
  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  let last = await read();
  if (!call.flag('stream', true)) {
    let before: typeof last.reading | undefined;
    if (!call.flag('one-shot') && last.record.status === 'running') {
      before = last.reading;
      await pause();
      last = await read();
    }
    return call.json(200, statsObject(last.record, last.reading, before));
  }
  const out = call.stream('application/json');
  let before: typeof last.reading | undefined;
  while (!gone) {
    out.write(`${JSON.stringify(statsObject(last.record, last.reading, before))}\n`);
    if (last.record.status !== 'running') break;
    await pause();
    before = last.reading;
    last = await read();
  }
  out.end();
}

export const statsRoutes: Route[] = [route('GET /containers/{id}/stats', stats)];
