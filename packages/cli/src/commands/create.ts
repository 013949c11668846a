import type { CommandSpec } from '@mydocker/core';
import { RUN_FLAGS, RUN_ONLY_FLAGS } from '../run-flags';
import { cidFileWriter, toRunSpec } from './run';

/**
 * `create`: `run`'s flags and parsing (one table, RUN_FLAGS), without running anything. Prints the full
 * id; the container is `created` until `start`.
 */
export const createCommand: CommandSpec = {
  command: 'create [OPTIONS] IMAGE [COMMAND] [ARG...]',
  describe: 'Create a new container without starting it',
  rawArgs: true,
  builder: (y) => {
    for (const f of RUN_FLAGS) if (!RUN_ONLY_FLAGS.has(f.name)) y.option(f.name, { alias: f.alias, type: f.type, describe: f.describe });
    return y;
  },
  async run(args, { engine, config, stdout }) {
    // `start` decides later whether the output is attached; the record keeps Docker's create defaults.
    const spec = toRunSpec({ ...args, detach: false }, args.rest as string[], config.defaultImage, process.env, 'create');
    const cid = cidFileWriter(spec);
    const record = await engine.create(spec, { onCreated: cid.onCreated }).catch((err) => {
      cid.cleanup();
      throw err;
    });
    stdout.write(`${record.id}\n`);
    return 0;
  },
};
