import { UsageError, shortId, type CommandSpec } from '@mydocker/core';
import { psTable } from '../format';
import { containerInspect, type DockerContainerInspect } from '../inspect/container-inspect';
import { formatItems } from '../output-format';
import { psFilter } from '../ps-filter';
import { PS_DEFAULT_TABLE, PS_HEADERS, psRow } from '../ps-rows';

export const psCommand: CommandSpec = {
  command: 'ps',
  describe: "List containers (plain `ps`: every container in the seed's columns; Docker's flags: Docker's output)",
  builder: (y) =>
    y
      .option('all', { alias: 'a', type: 'boolean', describe: 'Show all containers (default shows just running)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only display container IDs' })
      .option('filter', {
        alias: 'f',
        type: 'array',
        describe: 'Filter output: name=, id=, status=, exited=, ancestor=, before=, since=, network=, volume=, label= (repeatable)',
      })
      .option('noheading', { type: 'boolean', describe: "Podman's: print the table without its header row" })
      .option('format', { type: 'string', describe: 'Format output using a Go template, "table TEMPLATE" or json' })
      .option('trunc', { type: 'boolean', default: true, describe: 'Truncate IDs and commands; --no-trunc shows them whole' })
      .option('last', { alias: 'n', type: 'number', describe: 'Show n last created containers (includes all states)' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Show the latest created container (includes all states)' })
      .option('size', { alias: 's', type: 'boolean', describe: 'Display total file sizes (the container layer, and with the image: virtual)' }),
  async run(args, ctx) {
    const { engine, stdout } = ctx;
    const filters = ((args.filter as unknown[] | undefined) ?? []).map(String);
    const last = args.last as number | undefined;
    if (last !== undefined && (!Number.isInteger(last) || Number.isNaN(last))) throw new UsageError(`Invalid value for -n: give a whole number.`);
    const dockerFlags =
      args.all ||
      args.noheading ||
      args.quiet ||
      filters.length > 0 ||
      args.format !== undefined ||
      args.trunc === false ||
      last !== undefined ||
      args.latest ||
      args.size;
    const records = await engine.list();
    // Plain comparison: ISO timestamps sort as strings, and localeCompare would load ICU (~10 ms).
    records.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    if (!dockerFlags) {
      // The seed's `ps`: every container, the seed's columns (README transcript).
      stdout.write(psTable(records));
      return;
    }
    const filter = psFilter(filters, records);
    const limit = args.latest ? 1 : last !== undefined && last > 0 ? last : undefined;
    const all = Boolean(args.all) || filter.impliesAll || limit !== undefined;
    const noTrunc = args.trunc === false;
    // The inspect view carries what plugins own (ports, networks, mounts): made only where it is read.
    const listed: Array<{ r: (typeof records)[number]; view?: DockerContainerInspect }> = [];
    for (const r of records) {
      if (!all && r.status !== 'running') continue;
      const view = filter.needsView ? await containerInspect(ctx.bus, r) : undefined;
      if (filter.test(r, view)) listed.push({ r, view });
    }
    const shown = limit !== undefined ? listed.slice(0, limit) : listed;
    if (args.quiet) {
      stdout.write(shown.map(({ r }) => `${noTrunc ? r.id : shortId(r.id)}\n`).join(''));
      return;
    }
    const now = Date.now();
    const rows = [];
    const format =
      args.format === undefined || args.format === '' || args.format === 'table' ? PS_DEFAULT_TABLE + (args.size ? '\t{{.Size}}' : '') : String(args.format);
    // Docker computes sizes for -s, or when the template reads .Size.
    const size = Boolean(args.size) || /\.Size\b/.test(format);
    for (const { r, view } of shown) rows.push(psRow(r, size || !view ? await containerInspect(ctx.bus, r, { size }) : view, now, noTrunc));
    const out = formatItems(format, rows, PS_HEADERS);
    // Podman's --noheading: the table without its header row.
    stdout.write(args.noheading && /^table(\s|$)/.test(format) ? out.split('\n').slice(1).join('\n') : out);
  },
};
