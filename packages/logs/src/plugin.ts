import { join } from 'node:path';
import type { LifecycleBus, Plugin } from '@mydocker/core';
import { parseLogOpts } from './log-options';
import { logsCommand, type LogsExt } from './logs-command';

const NAME = 'logs';
export const LOG_FILE = 'container.log';

/** Log settings (`--log-opt`), where the monitor writes the output, and the `logs` command. */
export class LogsPlugin implements Plugin {
  readonly name = NAME;

  apply(bus: LifecycleBus): void {
    const { hooks } = bus;
    bus.claim(NAME, 'logOpts');

    hooks.validate.tapPromise(NAME, async (ctx) => {
      parseLogOpts(ctx.spec.logOpts);
    });

    // The log file is the container's for its whole life (a restarted container appends to it)...
    hooks.create.tapPromise(NAME, async (ctx) => {
      const { maxSize, maxFiles } = parseLogOpts(ctx.spec.logOpts);
      const path = join(bus.need('stateStore', 'Keeping container logs').containerDir(ctx.id), LOG_FILE);
      const ext: LogsExt = { driver: 'k8s-file', path, maxSize, maxFiles };
      ctx.setExt(NAME, ext);
      ctx.onRollback(NAME, async () => (await import('./files')).removeLogFiles(path));
    });

    // ...and each start tells the monitor where to write (derived again, as for `remove`).
    hooks.prepare.tapPromise(NAME, async (ctx) => {
      const { maxSize, maxFiles } = parseLogOpts(ctx.spec.logOpts);
      ctx.log = { path: join(bus.need('stateStore', 'Keeping container logs').containerDir(ctx.id), LOG_FILE), maxSize, maxFiles };
    });

    // The path is derived again rather than read from the record, so a damaged record cannot aim the delete elsewhere.
    hooks.remove.tapPromise(NAME, async (ctx) => {
      if (!bus.has('stateStore')) return;
      const { removeLogFiles } = await import('./files');
      await removeLogFiles(join(bus.need('stateStore').containerDir(ctx.id), LOG_FILE));
    });

    hooks.inspect.tapPromise(NAME, async (record, view) => (await import('./inspect')).fillInspect(record, view));
    hooks.commands.tap(NAME, (registry) => registry.add(NAME, logsCommand));
  }
}
