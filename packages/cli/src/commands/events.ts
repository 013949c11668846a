import { EventJournal, parseTimeSpec, type CommandSpec, type EngineEvent } from '@mydocker/core';
import { eventMatches, parseEventFilters } from '../events/filter';
import { eventLine, eventNano, eventTemplateView } from '../events/line';
import { formatItems } from '../output-format';

function formatter(format: string | undefined): (e: EngineEvent) => string {
  if (!format) return (e) => `${eventLine(e)}\n`;
  // Docker's JSON of an event uses the API's field names (status, id, Actor, timeNano, …).
  if (format === 'json' || /^\{\{\s*json\s+\.\s*\}\}$/.test(format)) return (e) => `${JSON.stringify(e)}\n`;
  return (e) => formatItems(format, [eventTemplateView(e)]);
}

/**
 * `events [--since T] [--until T] [--filter K=V]... [--format F]`: the journal every mydocker process
 * appends to. Without --until it follows new events (those since --since first) until interrupted; with
 * --until it prints what happened up to then, waiting for that time if it lies ahead, and exits.
 */
export const eventsCommand: CommandSpec = {
  command: 'events',
  describe: 'Get real time events from the engine',
  builder: (y) =>
    y
      .option('filter', { alias: 'f', type: 'string', array: true, describe: 'Filter output (container=, event=, image=, label=, network=, type=, volume=)' })
      .option('format', { type: 'string', describe: 'Format the output using a Go template (or json)' })
      .option('since', { type: 'string', describe: 'Show events since a timestamp (2026-11-30T12:00:00Z, Unix) or relative (10m)' })
      .option('until', { type: 'string', describe: 'Stream events until this timestamp, or relative (10m)' }),
  async run(args, ctx) {
    const filters = parseEventFilters(((args.filter as unknown[]) ?? []).map(String));
    const since = args.since ? parseTimeSpec(String(args.since), 'since') : undefined;
    const until = args.until ? parseTimeSpec(String(args.until), 'until') : undefined;
    const format = formatter(args.format as string | undefined);
    const journal = new EventJournal(ctx.config.runRoot);
    const wanted = (e: EngineEvent) => {
      const t = eventNano(e);
      return (since === undefined || t >= since) && (until === undefined || t <= until) && eventMatches(e, filters);
    };
    let readerGone = false;
    const print = (e: EngineEvent) => {
      if (wanted(e) && !readerGone) ctx.stdout.write(format(e));
    };
    const nowNs = () => BigInt(Date.now()) * 1_000_000n;
    if (until !== undefined && until <= nowNs()) {
      for (const e of journal.readAll()) print(e);
      return 0;
    }
    // Past events (with --since or --until) are read from the start of the files; then new ones follow.
    const past = since !== undefined || until !== undefined;
    if (past) for (const e of journal.readPrevious()) print(e);
    const stop = journal.follow(print, 100, past);
    await new Promise<void>((resolve) => {
      const done = () => {
        process.off('SIGINT', done);
        process.off('SIGTERM', done);
        clearTimeout(timer);
        resolve();
      };
      process.on('SIGINT', done);
      process.on('SIGTERM', done);
      // A reader that went away (`events | head -1`) ends the follow, as Docker's client does.
      ctx.stdout.on('error', () => {
        readerGone = true;
        done();
      });
      const timer = until === undefined ? undefined : setTimeout(done, Number((until - nowNs()) / 1_000_000n) + 1);
    });
    stop();
    return 0;
  },
};
