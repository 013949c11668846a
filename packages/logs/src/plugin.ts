import { join } from 'node:path';
import type { ContainerContext, LifecycleBus, Plugin } from '@mydocker/core';
import { parseLogConfig } from './log-options';
import { logFlags, RUN_FLAGS } from './flags';
import { logsCommand, type LogsExt } from './logs-command';

const NAME = 'logs';
export const LOG_FILE = 'container.log';
const jsonLogFile = (id: string) => `${id}-json.log`;

/** Log settings (`--log-driver`, `--log-opt`), where the monitor writes the output, and the `logs` command. */
export class LogsPlugin implements Plugin {
  readonly name = NAME;

  apply(bus: LifecycleBus): void {
    const { hooks } = bus;
    bus.flags.declare(NAME, ...RUN_FLAGS);

    hooks.validate.tapPromise(NAME, async (ctx) => {
      parseLogConfig(...logFlags(ctx.spec));
    });

    /**
     * Where the log of this container goes, derived from its spec and id (never read from the record, so a
     * damaged record cannot aim a write or a delete elsewhere); undefined with the `none` driver.
     */
    const logOf = (ctx: ContainerContext) => {
      const { driver, settings } = parseLogConfig(...logFlags(ctx.spec));
      if (driver === 'none') return { driver, settings, path: undefined };
      const dir = bus.need('stateStore', 'Keeping container logs').containerDir(ctx.id);
      // The monitor writes Docker's json-file format to a file named as Docker names it (<id>-json.log).
      const path = driver === 'json-file' ? join(dir, jsonLogFile(ctx.id)) : (settings.path ?? join(dir, LOG_FILE));
      return { driver, settings, path };
    };

    // The log file is the container's for its whole life (a restarted container appends to it)...
    hooks.create.tapPromise(NAME, async (ctx) => {
      const { driver, settings, path } = logOf(ctx);
      if (path === undefined) {
        const ext: LogsExt = { driver, path: '', maxSize: 0, maxFiles: 0 };
        ctx.setExt(NAME, ext);
        return;
      }
      const { maxSize, maxFiles } = settings;
      const ext: LogsExt = { driver, path, maxSize, maxFiles, ...(settings.path ? { customPath: true } : {}) };
      ctx.setExt(NAME, ext);
      // A file the user named may have been there before: it is theirs, never deleted.
      if (!settings.path) ctx.onRollback(NAME, async () => (await import('./files')).removeLogFiles(path));
    });

    // ...and each start tells the monitor where to write.
    hooks.prepare.tapPromise(NAME, async (ctx) => {
      const { settings, path } = logOf(ctx);
      if (path !== undefined) ctx.log = { path, maxSize: settings.maxSize, maxFiles: settings.maxFiles };
    });

    // A --log-opt path file is the user's and stays.
    hooks.remove.tapPromise(NAME, async (ctx) => {
      if (!bus.has('stateStore')) return;
      const { removeLogFiles } = await import('./files');
      const dir = bus.need('stateStore').containerDir(ctx.id);
      await removeLogFiles(join(dir, LOG_FILE));
      await removeLogFiles(join(dir, jsonLogFile(ctx.id)));
    });

    hooks.inspect.tapPromise(NAME, async (record, view) => (await import('./inspect')).fillInspect(record, view));
    hooks.commands.tap(NAME, (registry) => registry.add(NAME, logsCommand));
  }
}

// package.json's "mydocker.plugin" entry: the class alone, without what index.ts re-exports.
export default LogsPlugin;
