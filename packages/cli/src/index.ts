export { main } from './main';
export { splitRunArgs, CLI_RUN_FLAGS, CLI_OWNER } from './run-flags';
export { resolveEnv } from './env';
export { toRunSpec } from './commands/run';
// For the Engine API service (@mydocker/engine-api): the same Docker shapes the CLI prints.
export { containerInspect, dockerStatus, type DockerContainerInspect } from './inspect/container-inspect';
export { dockerStatusText } from './ps-rows';
export { psFilter } from './ps-filter';
export { labelMap } from './labels';
export { filterPs, cgroupMembers } from './commands/top';
export { renameCommand } from './commands/rename';
