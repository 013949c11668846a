import { UsageError, shortId, type CommandSpec, type ContainerRecord } from '@mydocker/core';
import { psTable } from '../format';
import { containerInspect, dockerStatus } from '../inspect/container-inspect';
import { formatItems } from '../output-format';
import { PS_DEFAULT_TABLE, PS_HEADERS, psRow } from '../ps-rows';

const DOCKER_STATES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/**
 * Docker's `--filter KEY=VALUE`: the same key given twice matches either value, different keys must all
 * match. `status=stopped` is the seed's word for `exited`.
 */
function filterOf(filters: string[]): { test: (r: ContainerRecord) => boolean; impliesAll: boolean } {
  const byKey = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    const value = eq < 0 ? '' : f.slice(eq + 1);
    if (!['name', 'id', 'status', 'exited'].includes(key)) throw new UsageError(`Invalid filter "${f}": use name=, id=, status= or exited=.`);
    if (key === 'status' && !DOCKER_STATES.includes(value) && value !== 'stopped') {
      throw new UsageError(`Invalid filter "${f}": a status is one of ${DOCKER_STATES.join(', ')}.`);
    }
    if (key === 'exited' && !/^-?\d+$/.test(value)) throw new UsageError(`Invalid filter "${f}": exited= takes an exit code.`);
    byKey.set(key, [...(byKey.get(key) ?? []), key === 'status' && value === 'stopped' ? 'exited' : value]);
  }
  const matchers: Record<string, (r: ContainerRecord, v: string) => boolean> = {
    // Docker matches names as a regular expression, so a plain word matches as a substring.
    name: (r, v) => safeRegExp(v).test(r.name),
    id: (r, v) => r.id.startsWith(v),
    status: (r, v) => dockerStatus(r) === v,
    exited: (r, v) => r.status === 'stopped' && r.exitCode === Number(v),
  };
  return {
    // Docker's daemon lists every state once a status filter is given.
    impliesAll: byKey.has('status'),
    test: (r) => [...byKey].every(([key, values]) => values.some((v) => matchers[key](r, v))),
  };
}

function safeRegExp(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    throw new UsageError(`Invalid filter "name=${source}": not a valid regular expression.`);
  }
}

export const psCommand: CommandSpec = {
  command: 'ps',
  describe: "List containers (plain `ps`: every container in the seed's columns; Docker's flags: Docker's output)",
  builder: (y) =>
    y
      .option('all', { alias: 'a', type: 'boolean', describe: 'Show all containers (default shows just running)' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only display container IDs' })
      .option('filter', { alias: 'f', type: 'array', describe: 'Filter output: name=, id=, status=, exited= (repeatable)' })
      .option('format', { type: 'string', describe: 'Format output using a Go template, "table TEMPLATE" or json' })
      .option('trunc', { type: 'boolean', default: true, describe: 'Truncate IDs and commands; --no-trunc shows them whole' })
      .option('last', { alias: 'n', type: 'number', describe: 'Show n last created containers (includes all states)' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Show the latest created container (includes all states)' }),
  async run(args, ctx) {
    const { engine, stdout } = ctx;
    const filters = ((args.filter as unknown[] | undefined) ?? []).map(String);
    const last = args.last as number | undefined;
    if (last !== undefined && (!Number.isInteger(last) || Number.isNaN(last))) throw new UsageError(`Invalid value for -n: give a whole number.`);
    const dockerFlags = args.all || args.quiet || filters.length > 0 || args.format !== undefined || args.trunc === false || last !== undefined || args.latest;
    let records = await engine.list();
    // Plain comparison: ISO timestamps sort as strings, and localeCompare would load ICU (~10 ms).
    records.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    if (!dockerFlags) {
      // The seed's `ps`: every container, the seed's columns (README transcript).
      stdout.write(psTable(records));
      return;
    }
    const filter = filterOf(filters);
    const limit = args.latest ? 1 : last !== undefined && last > 0 ? last : undefined;
    const all = Boolean(args.all) || filter.impliesAll || limit !== undefined;
    records = records.filter((r) => (all || r.status === 'running') && filter.test(r));
    if (limit !== undefined) records = records.slice(0, limit);
    const noTrunc = args.trunc === false;
    if (args.quiet) {
      stdout.write(records.map((r) => `${noTrunc ? r.id : shortId(r.id)}\n`).join(''));
      return;
    }
    const now = Date.now();
    const rows = [];
    for (const r of records) rows.push(psRow(r, await containerInspect(ctx.bus, r), now, noTrunc));
    const format = args.format === undefined || args.format === '' || args.format === 'table' ? PS_DEFAULT_TABLE : String(args.format);
    stdout.write(formatItems(format, rows, PS_HEADERS));
  },
};
