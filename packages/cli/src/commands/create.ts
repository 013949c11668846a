import type { CommandSpec, LifecycleBus } from '@mydocker/core';
import { buildRunOptions, cidFileWriter, toRunSpec } from './run';

/**
 * `create`: `run`'s flags and parsing (the declared flags of `create`), without running anything. Prints the full
 * id; the container is `created` until `start`.
 */
export const createCommand = (bus: LifecycleBus, packageOf: (owner: string) => string): CommandSpec => ({
  command: 'create [OPTIONS] IMAGE [COMMAND] [ARG...]',
  describe: 'Create a new container without starting it',
  rawArgs: true,
  builder: (y) => buildRunOptions(y, bus.flags, 'create', packageOf),
  async run(args, { engine, config, stdout }) {
    // `start` decides later whether the output is attached; the record keeps Docker's create defaults.
    const spec = toRunSpec({ ...args, detach: false }, args.rest as string[], config.defaultImage, process.env, 'create', bus.flags);
    const cid = cidFileWriter(spec);
    const record = await engine.create(spec, { onCreated: cid.onCreated }).catch((err) => {
      cid.cleanup();
      throw err;
    });
    stdout.write(`${record.id}\n`);
    return 0;
  },
});
