import { UsageError, shortId, type CommandSpec } from '@mydocker/core';
import { psTable } from '../format';

export const psCommand: CommandSpec = {
  command: 'ps',
  describe: 'List containers (all of them, as in the seed; -a is accepted)',
  builder: (y) =>
    y
      .option('all', { alias: 'a', type: 'boolean', describe: 'Show all containers (the default)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only ids' })
      .option('filter', { alias: 'f', type: 'array', describe: 'status=running|stopped|created, name=NAME' })
      .option('format', { type: 'string', describe: 'json: one JSON object a line' }),
  async run(args, { engine, stdout }) {
    let records = await engine.list();
    for (const filter of (args.filter as string[] | undefined) ?? []) {
      const [key, value] = String(filter).split('=', 2);
      if (key === 'status') records = records.filter((r) => r.status === value);
      else if (key === 'name') records = records.filter((r) => r.name.includes(value ?? ''));
      else throw new UsageError(`Invalid filter "${filter}": use status=running|stopped|created or name=NAME.`);
    }
    // Plain comparison: ISO timestamps sort as strings, and localeCompare would load ICU (~10 ms).
    records.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    if (args.quiet) {
      stdout.write(records.map((r) => `${shortId(r.id)}\n`).join(''));
    } else if (args.format === 'json') {
      stdout.write(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    } else if (args.format !== undefined) {
      throw new UsageError(`Unknown format "${args.format}": only json is supported.`);
    } else {
      stdout.write(psTable(records));
    }
  },
};
