// Moved to @mydocker/core, where `events` uses it too.
export { formatTimestamp, parseRfc3339, parseTimeSpec } from '@mydocker/core';
