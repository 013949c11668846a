import { assertValidName, ConflictError, describeError, formatItems, NotFoundError, UsageError, type CommandContext } from '@mydocker/core';
import { parseVolumeFilters, VOLUME_HEADERS, VOLUME_LS_TABLE, volumeInspectView, volumeMatches, volumeRow } from '../volumes/volume-list';
import { storageFor, type StorageExt } from '../storage';
import { labelMap, pruneVolumes } from '../volumes/volume-prune';
import { parseVolumeOptions } from '../volumes/volume-options';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

type Args = Record<string, any>;

/** Names of volumes that containers (any state) mount, with one user each. */
export async function volumeUsers(ctx: CommandContext): Promise<Map<string, string>> {
  const users = new Map<string, string>();
  if (!ctx.bus.has('stateStore')) return users;
  for (const r of await ctx.bus.need('stateStore').list()) {
    for (const v of (r.ext.storage as StorageExt | undefined)?.volumes ?? []) if (v.name) users.set(v.name, r.name);
  }
  return users;
}

export async function volumeSubcommand(args: Args, ctx: CommandContext): Promise<number> {
  const volumes = storageFor(ctx.bus).volumes;
  const names = ((args.names as unknown[]) ?? []).map(String);
  switch (String(args.action)) {
    case 'create': {
      if (names.length > 1) throw new UsageError('"volume create" takes at most one name.');
      if (names[0] !== undefined) assertValidName(names[0], 'volume');
      if (args.driver !== undefined && String(args.driver) !== 'local')
        throw new UsageError(`The volume driver "${args.driver}" is not installed: only local is.`);
      const labels = labelMap(list(args.label));
      const options = parseVolumeOptions(list(args.opt));
      const { info, created } = await volumes.ensure(names[0], false, { labels, options });
      if (created) await ctx.bus.emitEvent({ type: 'volume', action: 'create', id: info.name, attributes: { driver: 'local' } });
      ctx.stdout.write(`${info.name}\n`);
      return 0;
    }
    case 'ls':
    case 'list': {
      const filters = parseVolumeFilters(((args.filter as unknown[]) ?? []).map(String));
      const inUse = new Set(filters.has('dangling') ? (await volumeUsers(ctx)).keys() : []);
      const list = (await volumes.list()).filter((v) => volumeMatches(v, filters, inUse));
      if (args.quiet) ctx.stdout.write(list.map((v) => `${v.name}\n`).join(''));
      else ctx.stdout.write(formatItems(args.format ? String(args.format) : VOLUME_LS_TABLE, list.map(volumeRow), VOLUME_HEADERS));
      return 0;
    }
    case 'rm':
    case 'remove': {
      if (names.length === 0) throw new UsageError('"volume rm" needs at least one volume name.');
      for (const name of names) assertValidName(name, 'volume');
      const users = await volumeUsers(ctx);
      let code = 0;
      for (const name of names) {
        try {
          await volumes.get(name);
          const user = users.get(name);
          if (user && !args.force) throw new ConflictError(`Volume ${name} is in use by container ${user}: remove the container first, or use -f.`);
          await volumes.remove(name);
          await ctx.bus.emitEvent({ type: 'volume', action: 'destroy', id: name, attributes: { driver: 'local' } });
          ctx.stdout.write(`${name}\n`);
        } catch (err) {
          if (!(err instanceof NotFoundError || err instanceof ConflictError)) throw err;
          ctx.stderr.write(`Error: ${describeError(err).message}\n`);
          code = 1;
        }
      }
      return code;
    }
    case 'inspect': {
      if (names.length === 0) throw new UsageError('"volume inspect" needs at least one volume name.');
      const out = [];
      for (const name of names) {
        out.push(volumeInspectView(await volumes.get(name)));
      }
      if (args.format) ctx.stdout.write(formatItems(String(args.format), out));
      else ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    case 'prune':
      return pruneVolumes(args, ctx);
    default:
      throw new UsageError(`Unknown volume command "${args.action}": use create, ls, rm, inspect or prune.`);
  }
}
