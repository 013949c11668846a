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
  describe: 'Manage volumes: create, ls, rm, inspect, prune',
  builder: (y) =>
    y
      .option('force', { alias: 'f', type: 'boolean', describe: 'rm: even if a container uses it; prune: do not ask' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'ls: only names' })
      .option('label', { type: 'array', describe: 'create: set a label (KEY=VALUE)' })
      .option('opt', { alias: 'o', type: 'array', describe: 'create: local driver options (type=tmpfs, device=, o=)' })
      .option('driver', { alias: 'd', type: 'string', describe: 'create: volume driver (local)' })
      .option('all', { alias: 'a', type: 'boolean', describe: 'prune: named volumes too, not only anonymous ones' })
      .option('filter', {
        type: 'string',
        array: true,
        describe: 'ls: name=, label=, dangling=true|false, driver=; prune: label=KEY[=VALUE], label!=KEY[=VALUE]',
      })
      .option('format', { type: 'string', describe: "ls/inspect: Go template, e.g. '{{.Name}}', 'table {{.Name}}\\t{{.Mountpoint}}', json" }),
  run: lazy('volumeSubcommand'),
};

export const diffCommand: CommandSpec = {
  command: 'diff <container>',
  describe: "Inspect changes to files or directories on a container's filesystem",
  run: async (args, ctx) => (require('../diff/command') as typeof import('../diff/command')).diffContainer(args, ctx),
};

export function storageCommands(): CommandSpec[] {
  return [volumeCommand, diffCommand];
}
