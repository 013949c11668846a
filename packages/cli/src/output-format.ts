// Moved to @mydocker/core so that plugins' commands (network ls, volume ls, …) format as the CLI's do.
export { formatItems } from '@mydocker/core';
