import { NamespacesPlugin } from './plugin';

export default NamespacesPlugin;
export { NamespacesPlugin };
export {
  buildSecurity,
  resolveCapabilities,
  normalizeCapability,
  parseSecurityOpts,
  CAPABILITIES,
  DEFAULT_CAPABILITIES,
  MASKED_PATHS,
  READONLY_PATHS,
} from './capabilities';
export { resolveCommand, mergeEnv, resolveWorkdir, resolveUser, launchEnv, DEFAULT_PATH } from './command-resolution';
export { serializeConfig, parseConfig, runConfig, execConfig, type ConfigEntry, type RunLaunch, type ExecLaunch } from './launch-config';
export type { NamespacesExt } from './ext';
