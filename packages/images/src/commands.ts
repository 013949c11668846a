import { type CommandContext, type CommandSpec, type CommandArgs } from '@mydocker/core';

import type { Credentials } from './registry-client';

type Args = CommandArgs;

/**
 * `credentials` ({username, password}) is no flag: a caller that runs the command itself (the Engine API,
 * for a request's X-Registry-Auth) gives them for this one pull or push; they are never saved.
 */
function givenCredentials(args: Args): Credentials | undefined {
  const c = args.credentials as Partial<Credentials> | undefined;
  return c && typeof c.username === 'string' && typeof c.password === 'string' ? { username: c.username, password: c.password } : undefined;
}

// Handlers require their implementation on first use: every CLI invocation builds this list.
const pullImpl = () => require('./pull') as typeof import('./pull');

export const pullCommand: CommandSpec = {
  command: 'pull <reference>',
  describe: 'Download an image from a registry',
  builder: (y) =>
    y
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print only the image reference' })
      .option('all-tags', { alias: 'a', type: 'boolean', describe: 'Download every tagged image in the repository' })
      .option('platform', { type: 'string', describe: 'OS/ARCH[/VARIANT] to pull from a multi-platform image' }),
  run: async (args: Args, ctx: CommandContext) => {
    await pullImpl().pull(ctx.bus.need('images', 'Pulling an image'), ctx.config, String(args.reference), {
      quiet: !!args.quiet,
      allTags: !!args.allTags,
      platform: args.platform ? (require('./platform') as typeof import('./platform')).parsePlatform(String(args.platform)) : undefined,
      out: ctx.stdout,
      credentials: givenCredentials(args),
    });
    await ctx.bus.emitEvent({ type: 'image', action: 'pull', id: String(args.reference), attributes: { name: String(args.reference) } });
    return 0;
  },
};

export const tagCommand: CommandSpec = {
  command: 'tag <source> <target>',
  describe: 'Give an image another name (SOURCE to TARGET)',
  run: async (args: Args, ctx: CommandContext) => {
    const { UsageError } = require('@mydocker/core') as typeof import('@mydocker/core');
    const { parseReference, storeName } = require('./reference') as typeof import('./reference');
    const images = ctx.bus.need('images', 'Tagging an image');
    if (!images.tag) throw new UsageError('The installed image store cannot tag images: update @mydocker/images.');
    const target = parseReference(String(args.target));
    if (target.digest) throw new UsageError(`Cannot tag with a digest ("${String(args.target)}"): a tag names an image, a digest is its content.`);
    const name = storeName({ ...target, tag: target.tag ?? 'latest' })!;
    await images.tag(String(args.source), name);
    const { id } = await images.resolve(name);
    await ctx.bus.emitEvent({ type: 'image', action: 'tag', id: `sha256:${id}`, attributes: { name } });
    return 0;
  },
};

const loginImpl = () => require('./login') as typeof import('./login');

export const loginCommand: CommandSpec = {
  command: 'login [server]',
  describe: 'Log in to a registry (credentials kept in $DOCKER_CONFIG/config.json, mode 0600)',
  builder: (y) =>
    y
      .option('username', { alias: 'u', type: 'string', describe: 'User name' })
      .option('password', { alias: 'p', type: 'string', describe: 'Password (prefer --password-stdin)' })
      .option('password-stdin', { type: 'boolean', describe: 'Read the password from stdin' }),
  run: (args: Args, ctx: CommandContext) => loginImpl().login(args, ctx),
};

export const logoutCommand: CommandSpec = {
  command: 'logout [server]',
  describe: 'Log out from a registry',
  run: (args: Args, ctx: CommandContext) => loginImpl().logout(args, ctx),
};

export const pushCommand: CommandSpec = {
  command: 'push <reference>',
  describe: 'Upload an image to a registry',
  builder: (y) => y.option('quiet', { alias: 'q', type: 'boolean', describe: 'Print only the image reference' }),
  run: async (args: Args, ctx: CommandContext) => {
    const { push } = require('./push') as typeof import('./push');
    await push(ctx.bus.need('images', 'Pushing an image'), ctx.config, String(args.reference), ctx.stdout, !!args.quiet, givenCredentials(args));
    await ctx.bus.emitEvent({ type: 'image', action: 'push', id: String(args.reference), attributes: { name: String(args.reference) } });
    return 0;
  },
};

export function imageCommands(): CommandSpec[] {
  return [pullCommand, pushCommand, tagCommand, loginCommand, logoutCommand];
}
