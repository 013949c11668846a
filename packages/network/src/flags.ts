import { flagList, flagsOf, flagString, type FlagDeclaration, type RunSpec } from '@mydocker/core';

const NAME = 'network';

/** What this plugin adds to `run` and `create` (the seed's `-net br0` included). */
export const RUN_FLAGS: FlagDeclaration[] = [
  {
    name: 'network',
    alias: ['net'],
    type: 'string',
    describe: 'Network to join (bridge network name, none, host)',
    seed: ['-net', '-network'],
    nonEmpty: true,
  },
  { name: 'publish', alias: ['p'], type: 'array', describe: 'Publish a port ([IP:]HOST:CTR[/tcp|udp])' },
];

/** --net/--network as given; undefined means the engine default (no network but loopback). */
export const networkFlag = (spec: Pick<RunSpec, 'flags'>): string | undefined => flagString(flagsOf(spec, NAME), 'network');

/** -p specs, raw. */
export const publishFlags = (spec: Pick<RunSpec, 'flags'>): string[] => flagList(flagsOf(spec, NAME), 'publish');
