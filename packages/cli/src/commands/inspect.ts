import { NotFoundError, UsageError, type CommandSpec } from '@mydocker/core';
import { isReportable, writeError } from '../error-output';
import { containerInspect } from '../inspect/container-inspect';
import { formatItems } from '../output-format';

/**
 * `inspect [-f TEMPLATE] [--type container] NAME...`: Docker's JSON array, or the template once per
 * object. A missing name is reported after the found ones are printed, and the exit code is 1, as
 * Docker's client does.
 */
export const inspectCommand: CommandSpec = {
  command: 'inspect <names..>',
  describe: "Show low-level information on containers, in Docker's JSON shape",
  builder: (y) =>
    y
      .option('format', { alias: 'f', type: 'string', describe: 'Format the output using a Go template (or json)' })
      .option('type', { type: 'string', describe: 'Only objects of this type (container)' })
      .option('size', { alias: 's', type: 'boolean', describe: 'Accepted for Docker compatibility (sizes are not computed)' }),
  async run(args, ctx) {
    const type = args.type as string | undefined;
    if (type !== undefined && type !== 'container') {
      throw new UsageError(`"${type}" is not a valid value for --type: only container is supported here (images, networks and volumes have their own inspect).`);
    }
    const found = [];
    const missing: string[] = [];
    let code = 0;
    for (const name of args.names as string[]) {
      try {
        found.push(await containerInspect(ctx.bus, await ctx.engine.inspect(name)));
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
