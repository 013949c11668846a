import type { SecuritySpec } from '@mydocker/core';
import type { HealthConfig } from './health/config';

export const PLUGIN_NAME = 'namespaces';

/** What this plugin keeps in `record.ext.namespaces`: `exec` applies the same security to new processes. */
export interface NamespacesExt {
  security: SecuritySpec;
  /** The resolved health check (flags over the image's HEALTHCHECK); the monitor runs it every interval. */
  healthcheck?: HealthConfig;
}
