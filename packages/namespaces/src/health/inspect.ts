import type { ContainerInspectView, ContainerRecord, LifecycleBus } from '@mydocker/core';
import { healthcheckView, type HealthConfig } from './config';
import { currentHealth, healthStateView } from './state';
import { healthFile, readHealth } from './store';

/**
 * Fills Docker's `Config.Healthcheck` and, once the container has run, `State.Health` (status, failing
 * streak, last five results). A running container whose run has no result yet is "starting".
 */
export function inspectHealth(bus: LifecycleBus, record: ContainerRecord, config: HealthConfig, view: ContainerInspectView): void {
  view.Config.Healthcheck = healthcheckView(config);
  if (!record.startedAt || !bus.has('stateStore')) return;
  const stored = readHealth(healthFile(bus, record.id));
  const running = record.status === 'running' && !record.unmonitored;
  const state = running ? currentHealth(stored, record.startedAt) : stored;
  if (!state) return;
  (view.State as Record<string, unknown>).Health = healthStateView(state);
}
