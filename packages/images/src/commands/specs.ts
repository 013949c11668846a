import type { CommandContext, CommandSpec } from '@mydocker/core';

/**
 * The image store's commands. Only names and flags live here; each handler requires its implementation
 * on first use, because every CLI invocation builds this list.
 */
type Impl = typeof import('./image-commands') & typeof import('./list') & typeof import('./rmi') & typeof import('./inspect') & typeof import('./prune');
function impl(): Impl {
  return {
    ...(require('./image-commands') as object),
    ...(require('./list') as object),
    ...(require('./rmi') as object),
    ...(require('./inspect') as object),
    ...(require('./prune') as object),
  } as Impl;
}

const lazy =
  (name: keyof Impl) =>
  (args: Record<string, any>, ctx: CommandContext): Promise<number | void> =>
    (impl()[name] as (a: Record<string, any>, c: CommandContext) => Promise<number | void>)(args, ctx);

const listOptions = (y: any) =>
  y
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only show image ids' })
    .option('all', { alias: 'a', type: 'boolean', describe: 'Show all images (this store keeps no intermediate images)' })
    .option('digests', { type: 'boolean', describe: 'Show the manifest digests' })
    .option('trunc', { type: 'boolean', default: true, describe: 'Truncate ids; --no-trunc shows them whole' })
    .option('filter', { alias: 'f', type: 'array', string: true, describe: 'reference=, dangling=true|false, before=, since=, label= (repeatable)' })
    .option('format', { type: 'string', describe: 'Go template, table TEMPLATE or json' });

export const imagesCommand: CommandSpec = {
  command: 'images [reference]',
  describe: 'List images',
  builder: listOptions,
  run: lazy('listImages'),
};

const rmiOptions = (y: any) =>
  y
    .option('force', { alias: 'f', type: 'boolean', describe: 'Remove even if a container uses it or it has several names' })
    .option('prune', { type: 'boolean', default: true, describe: '--no-prune is accepted for Docker compatibility' });

export const rmiCommand: CommandSpec = {
  command: 'rmi <images..>',
  describe: 'Remove images (untag a name; delete when it was the last)',
  builder: rmiOptions,
  run: lazy('removeImages'),
};

const changeOption = (y: any) =>
  y
    .option('change', {
      alias: 'c',
      type: 'array',
      string: true,
      describe: 'Apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL)',
    })
    .option('message', { alias: 'm', type: 'string', describe: 'Commit message' });

export const importCommand: CommandSpec = {
  command: 'import <file> [reference]',
  describe: 'Create an image from a root filesystem tar',
  builder: changeOption,
  run: lazy('importImage'),
};

const loadOptions = (y: any) =>
  y.option('input', { alias: 'i', type: 'string', demandOption: true, describe: 'Archive to read' }).option('quiet', { alias: 'q', type: 'boolean' });

export const loadCommand: CommandSpec = {
  command: 'load',
  describe: 'Load images from a docker-save or OCI archive',
  builder: loadOptions,
  run: lazy('loadImages'),
};

const saveOptions = (y: any) => y.option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Archive to write' });

export const saveCommand: CommandSpec = {
  command: 'save <images..>',
  describe: 'Save images to a tar archive (docker-save and OCI layout)',
  builder: saveOptions,
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
  builder: (y) =>
    changeOption(y)
      .option('author', { alias: 'a', type: 'string', describe: 'Author (e.g. "Jane <jane@example.com>")' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print only the image id' })
      .option('pause', { alias: 'p', type: 'boolean', describe: 'Accepted for Docker compatibility (the container is not paused)' }),
  run: lazy('commitContainer'),
};

const inspectOptions = (y: any) => y.option('format', { alias: 'f', type: 'string', describe: 'Go template' });
const historyOptions = (y: any) =>
  y
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only show image ids' })
    .option('trunc', { type: 'boolean', default: true, describe: 'Truncate output; --no-trunc shows it whole' })
    .option('human', { alias: 'H', type: 'boolean', default: true, describe: 'Sizes and dates in human-readable form' })
    .option('format', { type: 'string', describe: 'Go template, table TEMPLATE or json' });
const pruneOptions = (y: any) =>
  y
    .option('all', { alias: 'a', type: 'boolean', describe: 'Remove every image no container uses, not only dangling ones' })
    .option('force', { alias: 'f', type: 'boolean', describe: 'Do not ask for confirmation' })
    .option('filter', { type: 'array', string: true, describe: 'label=, before=, since=' });

export const historyCommand: CommandSpec = {
  command: 'history <image>',
  describe: 'Show the history of an image',
  builder: historyOptions,
  run: lazy('imageHistory'),
};

/** Flags of each `image` subcommand, as yargs-parser reads them (the same as the top-level commands'). */
interface SubFlags {
  boolean?: string[];
  string?: string[];
  array?: string[];
  alias?: Record<string, string>;
  positionals: string[];
  /** The last positional takes the rest. */
  variadic?: boolean;
  min: number;
}

const SUBCOMMANDS: Record<string, { impl: keyof Impl; flags: SubFlags }> = {
  ls: {
    impl: 'listImages',
    flags: {
      boolean: ['quiet', 'all', 'digests', 'trunc'],
      string: ['format'],
      array: ['filter'],
      alias: { q: 'quiet', a: 'all', f: 'filter' },
      positionals: ['reference'],
      min: 0,
    },
  },
  rm: { impl: 'removeImages', flags: { boolean: ['force', 'prune'], alias: { f: 'force' }, positionals: ['images'], variadic: true, min: 1 } },
  inspect: { impl: 'inspectImages', flags: { string: ['format'], alias: { f: 'format' }, positionals: ['images'], variadic: true, min: 1 } },
  history: {
    impl: 'imageHistory',
    flags: { boolean: ['quiet', 'trunc', 'human'], string: ['format'], alias: { q: 'quiet', H: 'human' }, positionals: ['image'], min: 1 },
  },
  prune: { impl: 'pruneImages', flags: { boolean: ['all', 'force'], array: ['filter'], alias: { a: 'all', f: 'force' }, positionals: [], min: 0 } },
  import: {
    impl: 'importImage',
    flags: { array: ['change'], string: ['message'], alias: { c: 'change', m: 'message' }, positionals: ['file', 'reference'], min: 1 },
  },
  load: { impl: 'loadImages', flags: { string: ['input'], boolean: ['quiet'], alias: { i: 'input', q: 'quiet' }, positionals: [], min: 0 } },
  save: { impl: 'saveImagesCommand', flags: { string: ['output'], alias: { o: 'output' }, positionals: ['images'], variadic: true, min: 1 } },
};
const ALIASES: Record<string, string> = { list: 'ls', remove: 'rm' };

/** Parses an `image` subcommand's arguments; one sentence for a flag it does not know. */
export function parseSubcommand(sub: string, argv: string[]): { impl: keyof Impl; args: Record<string, any> } {
  const { UsageError } = require('@mydocker/core') as typeof import('@mydocker/core');
  const entry = SUBCOMMANDS[ALIASES[sub] ?? sub];
  if (!entry) throw new UsageError(`Unknown image command "${sub}": use ls, rm, inspect, history, prune, tag, import, load, save or push/pull.`);
  const parser = require('yargs-parser') as typeof import('yargs-parser');
  const f = entry.flags;
  const parsed = parser.detailed(argv, {
    boolean: f.boolean,
    string: f.string,
    array: f.array,
    alias: f.alias,
    configuration: { 'greedy-arrays': false, 'parse-positional-numbers': false, 'parse-numbers': false, 'camel-case-expansion': false },
  });
  if (parsed.error) throw new UsageError(`${parsed.error.message.replace(/\.$/, '')}. See 'mydocker image ${sub} --help'.`);
  const argvOut = parsed.argv as Record<string, any>;
  const known = new Set(['_', '--', ...(f.boolean ?? []), ...(f.string ?? []), ...(f.array ?? []), ...Object.keys(f.alias ?? {})]);
  for (const key of Object.keys(argvOut))
    if (!known.has(key)) throw new UsageError(`Unknown flag "${key.length === 1 ? '-' : '--'}${key}" for image ${sub}. See 'mydocker image ${sub} --help'.`);
  const pos = (argvOut._ as unknown[]).map(String);
  if (pos.length < f.min) throw new UsageError(`"image ${sub}" needs ${f.positionals.join(' and ') || 'arguments'}.`);
  if (!f.variadic && pos.length > f.positionals.length)
    throw new UsageError(`"image ${sub}" takes at most ${f.positionals.length} argument${f.positionals.length === 1 ? '' : 's'}.`);
  if (sub === 'load' && !argvOut.input) throw new UsageError('"image load" needs -i FILE.');
  if (sub === 'save' && !argvOut.output) throw new UsageError('"image save" needs -o FILE.');
  const args: Record<string, any> = { ...argvOut };
  f.positionals.forEach((name, i) => {
    const last = i === f.positionals.length - 1;
    args[name] = f.variadic && last ? pos.slice(i) : pos[i];
  });
  return { impl: entry.impl, args };
}

/**
 * `image SUBCOMMAND`: Docker's management command. Each subcommand keeps its own flags (`image rm -f`
 * forces, `image inspect -f` is a template), so the arguments are taken raw and parsed per subcommand.
 * `image tag`, `image pull` and `image push` go to the registry commands of this package.
 */
export const imageCommand: CommandSpec = {
  command: 'image',
  describe: 'Manage images: ls, rm, inspect, history, prune, tag, import, load, save',
  rawArgs: true,
  run: async (args: Record<string, any>, ctx: CommandContext) => {
    const rest = ((args.rest as unknown[]) ?? []).map(String);
    const { UsageError } = require('@mydocker/core') as typeof import('@mydocker/core');
    if (rest.length === 0) throw new UsageError('Give an image subcommand: ls, rm, inspect, history, prune, tag, import, load or save.');
    const [sub, ...argv] = rest;
    const registry = (require('../commands') as typeof import('../commands')).imageCommands();
    const other = registry.find((c) => c.command.split(' ')[0] === sub);
    if (other && ['tag', 'pull', 'push'].includes(sub)) return other.run(parseRegistryArgs(sub, argv), ctx);
    if (argv.includes('--help') || argv.includes('-h')) {
      ctx.stdout.write(subcommandHelp(sub));
      return 0;
    }
    const { impl: name, args: parsed } = parseSubcommand(sub, argv);
    return lazy(name)(parsed, ctx);
  },
};

/** `image SUB --help`: the subcommand's arguments and flags. */
export function subcommandHelp(sub: string): string {
  const { UsageError } = require('@mydocker/core') as typeof import('@mydocker/core');
  const entry = SUBCOMMANDS[ALIASES[sub] ?? sub];
  if (!entry) throw new UsageError(`Unknown image command "${sub}": use ls, rm, inspect, history, prune, tag, import, load or save.`);
  const f = entry.flags;
  const short = Object.fromEntries(Object.entries(f.alias ?? {}).map(([a, long]) => [long, a]));
  const flag = (name: string, kind: string) => `  ${short[name] ? `-${short[name]}, ` : '    '}--${name === 'trunc' ? 'no-trunc' : name}${kind}`;
  const args = f.positionals
    .map((p, i) => (i >= f.min ? `[${p.toUpperCase()}]` : p.toUpperCase()) + (f.variadic && i === f.positionals.length - 1 ? '...' : ''))
    .join(' ');
  return [
    `Usage: mydocker image ${ALIASES[sub] ?? sub} [OPTIONS] ${args}`.trimEnd(),
    '',
    'Options:',
    ...(f.boolean ?? []).filter((b) => b !== 'prune').map((b) => flag(b, '')),
    ...(f.string ?? []).map((x) => flag(x, ' string')),
    ...(f.array ?? []).map((x) => flag(x, ' list')),
    '',
  ].join('\n');
}

/** `image tag|pull|push` arguments, for the registry commands. */
function parseRegistryArgs(sub: string, argv: string[]): Record<string, any> {
  const parser = require('yargs-parser') as typeof import('yargs-parser');
  const a = parser(argv, {
    boolean: ['quiet', 'all-tags'],
    string: ['platform'],
    alias: { q: 'quiet', a: 'all-tags' },
    configuration: { 'parse-numbers': false, 'parse-positional-numbers': false },
  }) as Record<string, any>;
  const pos = (a._ as unknown[]).map(String);
  return sub === 'tag' ? { ...a, source: pos[0], target: pos[1] } : { ...a, reference: pos[0] };
}

export function storeCommands(): CommandSpec[] {
  return [imagesCommand, rmiCommand, importCommand, loadCommand, saveCommand, exportCommand, commitCommand, historyCommand, imageCommand];
}
