import { flagsOf, flagString, type FlagDeclaration, type RunSpec } from '@mydocker/core';

const NAME = 'images';

/** What this plugin adds to `run` and `create`: when and which variant of an image a run pulls. */
export const RUN_FLAGS: FlagDeclaration[] = [
  { name: 'platform', type: 'string', describe: 'Platform to pull if the image is not stored (OS/ARCH[/VARIANT], e.g. linux/arm64)' },
  { name: 'pull', type: 'string', describe: 'Pull the image before running: missing (default), always, never' },
];

/** --pull and --platform as given (undefined: Docker's defaults, missing and the host's platform). */
export function pullFlags(spec: Pick<RunSpec, 'flags'>): { pull?: string; platform?: string } {
  const values = flagsOf(spec, NAME);
  return { pull: flagString(values, 'pull'), platform: flagString(values, 'platform') };
}
