import { flagList, flagsOf, type FlagDeclaration, type RunSpec } from '@mydocker/core';

/** The plugin's name: its flag values are kept under it in `spec.flags`. */
export const PLUGIN_NAME = 'storage';

/** What this plugin adds to `run` and `create`: volumes, bind mounts and tmpfs mounts. */
export const RUN_FLAGS: FlagDeclaration[] = [
  { name: 'volume', alias: ['v'], type: 'array', describe: 'Bind mount or volume (/host:/ctr[:ro], name:/ctr, /ctr)' },
  { name: 'mount', type: 'array', describe: 'Attach a mount: type=bind|volume|tmpfs,source=,target=[,readonly][,...]' },
  { name: 'tmpfs', type: 'array', describe: 'Mount a tmpfs (/path[:mount options, e.g. size=64m,mode=1777])' },
];

/** -v, --mount and --tmpfs specs of a request, raw as typed. */
export function mountFlags(spec: Pick<RunSpec, 'flags'>): { volumes: string[]; mounts: string[]; tmpfs: string[] } {
  const values = flagsOf(spec, PLUGIN_NAME);
  return { volumes: flagList(values, 'volume'), mounts: flagList(values, 'mount'), tmpfs: flagList(values, 'tmpfs') };
}
