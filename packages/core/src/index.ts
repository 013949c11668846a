export * from './errors';
export * from './ids';
export { newSha256, randomHex } from './random';
export * from './model';
export * from './attach-input';
export * from './flags';
export { migrateLegacyRunSpec } from './legacy-spec';
export * from './config';
export * from './context';
export * from './bus';
export * from './commands';
export type { ArgvBuilder, CommandArgs } from './command-args';
export { DEFAULT_PATH, DEFAULT_PATH_ENV } from './default-path';
export { parseMountInfo, readMountInfo, unescapeMountField, type MountInfo } from './mountinfo';
export * from './command-context';
export * from './plugin';
export * from './services';
export * from './storage-driver';
export { isWhiteoutStat, OPAQUE_VALUE, opaqueSetfattrArgs, whiteoutMknodArgs } from './layer-format';
export * from './engine';
export * from './prune';
export * from './process';
export { CommandFailedError, runCommand, runCommandSync, tryRunCommand, tryRunCommandSync, type CommandOptions, type CommandResult } from './host-command';
export * from './faults';
export * from './discovery';
export * from './di';
export * from './tokens';
export * from './trace';
export * from './table';
export * from './file-lock';
export * from './remove-tree';
export * from './run-signals';
export * from './go-template';
export * from './events';
export * from './event-taps';
export * from './time-spec';
export * from './root-path';
export * from './output-format';
export * from './start-step';
export * from './scratch';
export * from './units';
export * from './restart-policy';
export {
  encodeFrame,
  FrameDecoder,
  FRAME_EXIT,
  FRAME_RESIZE,
  FRAME_STDERR,
  FRAME_STDIN,
  FRAME_STDIN_END,
  FRAME_STDOUT,
  resizeFrame,
  type Frame,
} from './attach-frames';
