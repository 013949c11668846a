import type { ContainerInspectView, ContainerRecord } from '@mydocker/core';
import type { LogsExt } from './logs-command';

/** Docker's LogPath and HostConfig.LogConfig, with the rotation settings as `--log-opt` names them. */
export function fillInspect(record: ContainerRecord, view: ContainerInspectView): void {
  const ext = record.ext?.logs as LogsExt | undefined;
  if (!ext || typeof ext.path !== 'string') return;
  view.LogPath = ext.path;
  if (ext.driver === 'none') {
    view.HostConfig.LogConfig = { Type: 'none', Config: {} };
    return;
  }
  const config: Record<string, string> = { 'max-size': String(ext.maxSize), 'max-file': String(ext.maxFiles) };
  if (ext.customPath) config.path = ext.path;
  view.HostConfig.LogConfig = { Type: ext.driver, Config: config };
}
