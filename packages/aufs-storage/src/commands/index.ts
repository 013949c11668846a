import type { CommandContext, CommandSpec } from '@mydocker/core';

/**
 * The storage commands. Only names and flags live here; each handler requires its implementation on
 * first use, because every CLI invocation builds this list.
 */
type Impl = typeof import('./image-commands') & typeof import('./volume-commands');
function impl(): Impl {
  return { ...(require('./image-commands') as object), ...(require('./volume-commands') as object) } as Impl;
}

const lazy =
  (name: keyof Impl) =>
  (args: Record<string, any>, ctx: CommandContext): Promise<number | void> =>
    (impl()[name] as (a: Record<string, any>, c: CommandContext) => Promise<number | void>)(args, ctx);

export const imagesCommand: CommandSpec = {
  command: 'images [reference]',
  describe: 'List images',
  builder: (y) =>
    y.option('quiet', { alias: 'q', type: 'boolean', describe: 'Only show image ids' }).option('digests', { type: 'boolean', describe: 'Show the manifest digests of pulled images' }),
  run: lazy('listImages'),
};

export const rmiCommand: CommandSpec = {
  command: 'rmi <images..>',
  describe: 'Remove images (-f: even if containers use them)',
  builder: (y) => y.option('force', { alias: 'f', type: 'boolean', describe: 'Remove even if a container uses it' }),
  run: lazy('removeImages'),
};

export const importCommand: CommandSpec = {
  command: 'import <file> [reference]',
  describe: 'Create an image from a root filesystem tar',
  run: lazy('importImage'),
};

export const loadCommand: CommandSpec = {
  command: 'load',
  describe: 'Load images from a docker-save or OCI archive',
  builder: (y) => y.option('input', { alias: 'i', type: 'string', demandOption: true, describe: 'Archive to read' }),
  run: lazy('loadImages'),
};

export const saveCommand: CommandSpec = {
  command: 'save <images..>',
  describe: 'Save images to a tar archive (docker-save and OCI layout)',
  builder: (y) => y.option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Archive to write' }),
  run: lazy('saveImagesCommand'),
};

export const exportCommand: CommandSpec = {
  command: 'export <container>',
  describe: "Export a container's filesystem as a tar archive",
  builder: (y) => y.option('output', { alias: 'o', type: 'string', describe: 'Archive to write (default: stdout)' }),
  run: lazy('exportContainer'),
};

export const commitCommand: CommandSpec = {
  command: 'commit <container> [reference]',
  describe: "Create an image from a container's changes",
  builder: (y) => y.option('message', { alias: 'm', type: 'string', describe: 'Commit message' }),
  run: lazy('commitContainer'),
};

export const imageCommand: CommandSpec = {
  command: 'image <action> [args..]',
  describe: 'Manage images: ls, rm, import, load, save, inspect',
  builder: (y) =>
    y
      .option('force', { alias: 'f', type: 'boolean', describe: 'rm: even if a container uses it' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'ls: only ids' })
      .option('input', { alias: 'i', type: 'string', describe: 'load: archive to read' })
      .option('output', { alias: 'o', type: 'string', describe: 'save: archive to write' }),
  run: lazy('imageSubcommand'),
};

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
      .option('filter', { type: 'string', array: true, describe: 'ls: name=, label=, dangling=true|false, driver=; prune: label=KEY[=VALUE], label!=KEY[=VALUE]' })
      .option('format', { type: 'string', describe: "ls/inspect: Go template, e.g. '{{.Name}}', 'table {{.Name}}\\t{{.Mountpoint}}', json" }),
  run: lazy('volumeSubcommand'),
};

export function storageCommands(): CommandSpec[] {
  return [imagesCommand, rmiCommand, importCommand, loadCommand, saveCommand, exportCommand, commitCommand, imageCommand, volumeCommand];
}
