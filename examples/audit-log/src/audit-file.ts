import { accessSync, closeSync, constants, lstatSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Why `file` cannot take audit lines, or undefined when it can: its folder must exist and be writable,
 * and the file, when it exists, must be a regular file (never a FIFO or device that would block or eat
 * the lines). Nothing is created: a run refused later by another plugin leaves no empty log behind.
 */
export function unusableReason(file: string): string | undefined {
  try {
    accessSync(dirname(file), constants.W_OK | constants.X_OK);
  } catch (err) {
    return `The folder of the audit log ${file} cannot be written (${(err as NodeJS.ErrnoException).code}).`;
  }
  let isFile = true;
  try {
    isFile = lstatSync(file).isFile();
  } catch {
    return undefined; // Not there yet: the first line creates it.
  }
  return isFile ? undefined : `The audit log ${file} is not a regular file.`;
}

/**
 * Appends one line with a single O_APPEND write, so lines of commands running at the same time (a `stop`
 * and a `run` of two containers sharing a log) never interleave. The file is made 0600: labels and names
 * may be private.
 */
export function appendLine(file: string, line: string): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, line);
  } finally {
    closeSync(fd);
  }
}
