import { NotFoundError, UsageError, type CommandContext, type CommandSpec } from '@mydocker/core';
import { isReportable, writeError } from '../error-output';
import { containerInspect } from '../inspect/container-inspect';
import { formatItems } from '../output-format';

/**
 * `inspect [-f TEMPLATE] [--type container] NAME...`: Docker's JSON array, or the template once per
 * object. A missing name is reported after the found ones are printed, and the exit code is 1, as
 * Docker's client does.
 */
const TYPES = ['container', 'image', 'network', 'volume'] as const;
type ObjectType = (typeof TYPES)[number];

/**
 * One object by name, Docker's way: a container first, then an image, a network, a volume (or only the
 * `--type` given). Images, networks and volumes are answered by whichever plugin owns them, through the
 * bus's `inspectObject` hook, so the CLI names none. Undefined when nothing has that name.
 */
async function findObject(ctx: CommandContext, name: string, type: ObjectType | undefined): Promise<unknown> {
  for (const kind of type ? [type] : TYPES) {
    if (kind === 'container') {
      if (!ctx.bus.has('stateStore')) continue;
      try {
        return await containerInspect(ctx.bus, await ctx.engine.inspect(name));
      } catch (err) {
        if (err instanceof NotFoundError) continue;
        throw err;
      }
    }
    try {
      const view = await ctx.bus.hooks.inspectObject.promise({ type: kind, ref: name });
      if (view) return view;
    } catch (err) {
      // Without --type a name that is not valid for one kind (an image reference for a volume) is just not one.
      if (err instanceof NotFoundError || (!type && err instanceof UsageError)) continue;
      throw err;
    }
  }
  return undefined;
}

/**
 * `inspect [-f TEMPLATE] [--type container|image|network|volume] NAME...`: Docker's JSON array, or the
 * template once per object. A missing name is reported after the found ones are printed, and the exit
 * code is 1, as Docker's client does.
 */
export const inspectCommand: CommandSpec = {
  command: 'inspect <names..>',
  describe: "Show low-level information on containers, images, networks and volumes, in Docker's JSON shape",
  builder: (y) =>
    y
      .option('format', { alias: 'f', type: 'string', describe: 'Format the output using a Go template (or json)' })
      .option('type', { type: 'string', describe: 'Only objects of this type: container, image, network, volume' })
      .option('size', { alias: 's', type: 'boolean', describe: 'Accepted for Docker compatibility (sizes are not computed)' }),
  async run(args, ctx) {
    const type = args.type as string | undefined;
    if (type !== undefined && !(TYPES as readonly string[]).includes(type)) {
      throw new UsageError(`"${type}" is not a valid value for --type: use container, image, network or volume.`);
    }
    const found = [];
    const missing: string[] = [];
    let code = 0;
    for (const name of args.names as string[]) {
      try {
        const view = await findObject(ctx, name, type as ObjectType | undefined);
        if (view === undefined) missing.push(name);
        else found.push(view);
      } catch (err) {
        if (err instanceof NotFoundError) missing.push(name);
        else if (isReportable(err)) code = writeError(ctx.stderr, err, process.env, [ctx.config.root, ctx.config.runRoot]);
        else throw err;
      }
    }
    const format = args.format as string | undefined;
    if (format) ctx.stdout.write(formatItems(format, found));
    else ctx.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
    for (const name of missing) {
      writeError(ctx.stderr, new NotFoundError(`No such ${type ?? 'object'}: ${name}`));
      code = code || 1;
    }
    return code;
  },
};

/** The engine's own record, for debugging and for tests that check what the engine stored. */
export const recordCommand: CommandSpec = {
  command: 'container-record <containers..>',
  describe: "Internal: the engine's stored records of containers, as JSON",
  hidden: true,
  async run(args, ctx) {
    const out = [];
    let code = 0;
    for (const name of args.containers as string[]) {
      try {
        out.push(await ctx.engine.inspect(name));
      } catch (err) {
        if (!isReportable(err)) throw err;
        code = writeError(ctx.stderr, err, process.env, [ctx.config.root, ctx.config.runRoot]);
      }
    }
    ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return code;
  },
};
