import { UsageError, type EngineConfig } from '@mydocker/core';

/** Docker's name for the network a container joins when `run` gets no `--net`. */
export const DEFAULT_NETWORK = 'bridge';

/**
 * The default network's settings, from the config file's `pluginOptions.network`:
 * `defaultNetwork` (`bridge`, or `none`/`host` to change what `run` without `--net` does),
 * `defaultSubnet` (else 172.17.0.0/16 as Docker's docker0 when no host route touches it, else the first
 * free pool) and `defaultBridgeName` (else `mydocker0` when free, else `mdbr-<id>`).
 */
export interface DefaultNetworkOptions {
  mode: 'bridge' | 'none' | 'host';
  subnet?: string;
  bridgeName?: string;
}

export function defaultNetworkOptions(config: EngineConfig): DefaultNetworkOptions {
  const raw = (config.pluginOptions?.network ?? {}) as Record<string, unknown>;
  const mode = raw.defaultNetwork ?? 'bridge';
  if (mode !== 'bridge' && mode !== 'none' && mode !== 'host') {
    throw new UsageError(`Invalid pluginOptions.network.defaultNetwork ${JSON.stringify(mode)} in the config file: use bridge, none or host.`);
  }
  const text = (key: string) => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new UsageError(`Invalid pluginOptions.network.${key} in the config file: give a non-empty string.`);
    return v;
  };
  return { mode, subnet: text('defaultSubnet'), bridgeName: text('defaultBridgeName') };
}

/** The Linux bridge name tried first for the default network (Docker's is docker0). */
export const DEFAULT_BRIDGE_NAME = 'mydocker0';
export const DEFAULT_SUBNET = '172.17.0.0/16';
