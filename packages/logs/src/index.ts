import { LogsPlugin } from './plugin';

export { LogsPlugin, LOG_FILE } from './plugin';
export { parseLogOpts, parseLogConfig, parseSize, DEFAULT_LOG_SETTINGS, LOG_DRIVERS, type LogSettings, type LogDriver } from './log-options';
export { parseTimeSpec, parseRfc3339, formatTimestamp } from './time-spec';
export { parseEntry, formatEntry, type LogEntry, type StreamName } from './format';
export { LogDecoder, type LogLine } from './decoder';
export { readLog, readLogLines, LineFilter, type ReadOptions } from './reader';
export { followLog, type FollowOptions } from './follow';
export { logFiles, rotatedFiles, removeLogFiles } from './files';
export { logsCommand, runLogs, parseTail, type LogsExt } from './logs-command';
export default LogsPlugin;
