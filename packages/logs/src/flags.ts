import { flagList, flagsOf, flagString, type FlagDeclaration, type RunSpec } from '@mydocker/core';

const NAME = 'logs';

/** What this plugin adds to `run` and `create`. */
export const RUN_FLAGS: FlagDeclaration[] = [
  { name: 'log-opt', type: 'array', describe: 'Log options (max-size=10m, max-file=3, path=FILE for k8s-file)' },
  { name: 'log-driver', type: 'string', describe: 'Logging driver: k8s-file (default), json-file, none' },
];

/** --log-driver (undefined: the default, k8s-file) and the --log-opt entries, raw, for `parseLogConfig`. */
export function logFlags(spec: Pick<RunSpec, 'flags'>): [driver: string | undefined, opts: string[]] {
  const values = flagsOf(spec, NAME);
  return [flagString(values, 'log-driver'), flagList(values, 'log-opt')];
}
