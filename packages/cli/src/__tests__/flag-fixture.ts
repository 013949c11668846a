import { FlagRegistry } from '@mydocker/core';
import { CLI_OWNER, CLI_RUN_FLAGS } from '../run-flags';

/**
 * The CLI's flags plus plugin declarations shaped like the built-in plugins' (the CLI's tests load no
 * plugin): a value flag with a short alias and a seed spelling, list flags, a seed long flag.
 */
export function testFlags(): FlagRegistry {
  const flags = new FlagRegistry();
  flags.declare(CLI_OWNER, ...CLI_RUN_FLAGS);
  flags.declare(
    'limits',
    { name: 'memory', alias: ['m'], type: 'string', describe: 'memory', nonEmpty: true },
    { name: 'cpu-shares', alias: ['c'], type: 'string', describe: 'shares', seed: ['-cpushare'] },
    { name: 'cpuset-cpus', type: 'string', describe: 'cpus', seed: ['-cpuset'] },
  );
  flags.declare('net', { name: 'network', alias: ['net'], type: 'string', describe: 'network', seed: ['-net', '-network'] });
  flags.declare(
    'disk',
    { name: 'volume', alias: ['v'], type: 'array', describe: 'volume' },
    { name: 'mount', type: 'array', describe: 'mount' },
    { name: 'tmpfs', type: 'array', describe: 'tmpfs' },
  );
  return flags;
}
