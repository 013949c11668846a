import type { CommandContext, CommandSpec } from '@mydocker/core';

/**
 * The storage commands (images have their own package, @mydocker/images). Only names and flags live here; each handler requires its implementation on
 * first use, because every CLI invocation builds this list.
 */
type Impl = typeof import('./volume-commands');
function impl(): Impl {
  return require('./volume-commands') as Impl;
}

const lazy =
  (name: keyof Impl) =>
  (args: Record<string, any>, ctx: CommandContext): Promise<number | void> =>
    (impl()[name] as (a: Record<string, any>, c: CommandContext) => Promise<number | void>)(args, ctx);

export const volumeCommand: CommandSpec = {
  command: 'volume <action> [names..]',
  describe: 'Manage volumes: create, ls, rm, inspect',
  builder: (y) =>
    y
      .option('force', { alias: 'f', type: 'boolean', describe: 'rm: even if a container uses it' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'ls: only names' }),
  run: lazy('volumeSubcommand'),
};

export function storageCommands(): CommandSpec[] {
  return [volumeCommand];
}
