import type { SecuritySpec } from '@mydocker/core';

export const PLUGIN_NAME = 'namespaces';

/** What this plugin keeps in `record.ext.namespaces`: `exec` applies the same security to new processes. */
export interface NamespacesExt {
  security: SecuritySpec;
}
