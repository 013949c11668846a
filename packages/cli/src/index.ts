export { main } from './main';
export { splitRunArgs, RUN_FLAGS } from './run-flags';
export { resolveEnv } from './env';
export { toRunSpec } from './commands/run';
