import { isAbsolute } from 'node:path';
import { flagsOf, flagString, type FlagDeclaration, type RunSpec } from '@mydocker/core';

/** The plugin's name: its flag values are kept under this key in `RunSpec.flags` (and so in the record). */
export const NAME = 'audit-log';

/**
 * `--audit-log FILE` on `run` and `create`. Checked when parsed, before anything is made: the file is
 * named once and written by later commands (`start`, `stop`, `rm`) run from any directory, so a relative
 * path would mean another file each time.
 */
export const RUN_FLAGS: FlagDeclaration[] = [
  {
    name: 'audit-log',
    type: 'string',
    describe: 'Append a JSON line to FILE (an absolute path) at each step of the container: create, start, stop, remove, failed run',
    nonEmpty: true,
    validate: (value) => (isAbsolute(String(value)) ? undefined : `The --audit-log flag needs an absolute path, not "${String(value)}".`),
  },
];

/** The audit file a container was given, or undefined when it has none. */
export const auditLogFile = (spec: Pick<RunSpec, 'flags'>): string | undefined => flagString(flagsOf(spec, NAME), 'audit-log');
