export { main } from './main';
export { splitRunArgs, CLI_RUN_FLAGS, CLI_OWNER } from './run-flags';
export { resolveEnv } from './env';
export { toRunSpec } from './commands/run';
