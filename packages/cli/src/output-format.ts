// Moved to core so that plugins' list commands (images, volumes, networks) share it.
export { formatItems } from '@mydocker/core';
