import type { LifecycleBus, Plugin } from '@mydocker/core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { storageCommands } from './commands';
import { aufsRegistration, overlayRegistration } from './drivers/registrations';
import { RUN_FLAGS } from './flags';

type Lifecycle = typeof import('./lifecycle');
const lifecycle = (): Lifecycle => require('./lifecycle') as Lifecycle;
const NAME = 'storage';

/**
 * Container root filesystems (overlay; aufs where the kernel has it), volumes and cp. Images come from
 * core's `images` service (@mydocker/images).
 * `apply` only registers; everything heavy is required inside the taps.
 */
export default class StoragePlugin implements Plugin {
  readonly name = NAME;

  apply(bus: LifecycleBus): void {
    bus.registerStorageDriver(overlayRegistration);
    bus.registerStorageDriver(aufsRegistration);
    bus.flags.declare(NAME, ...RUN_FLAGS);
    const { hooks } = bus;
    hooks.validate.tapPromise(NAME, (ctx) => lifecycle().validate(bus, ctx));
    hooks.create.tapPromise(NAME, (ctx) => lifecycle().create(bus, ctx));
    hooks.prepare.tapPromise(NAME, (ctx) => lifecycle().prepare(bus, ctx));
    hooks.stopped.tapPromise(NAME, (ctx) => lifecycle().stopped(bus, ctx));
    hooks.remove.tapPromise(NAME, (ctx) => lifecycle().remove(bus, ctx));
    hooks.prune.tapPromise(NAME, (report) => lifecycle().prune(bus, report));
    hooks.info.tapPromise(NAME, (report) => lifecycle().info(bus, report));
    hooks.inspect.tapPromise(NAME, async (record, view) => {
      const inspect = require('./inspect') as typeof import('./inspect');
      inspect.fillInspect(record, view);
      if ('SizeRw' in view) {
        const storage = (require('./storage') as typeof import('./storage')).storageFor(bus);
        const ext = record.ext?.storage as { driver?: string } | undefined;
        await inspect.fillSize(storage.driver(ext?.driver), record, view);
      }
    });
    const objects = () => require('./objects') as typeof import('./objects');
    hooks.inspectObject.tapPromise(NAME, (request) => objects().inspectObject(bus, request));
    hooks.diskUsage.tapPromise(NAME, (report) => objects().diskUsage(bus, report));
    hooks.commands.tap(NAME, (registry) => {
      for (const spec of storageCommands()) registry.add(NAME, spec);
      // `cp` is written by another engineer in ./cp; it is registered once it exists.
      if (existsSync(join(__dirname, 'cp', 'index.js')) || existsSync(join(__dirname, 'cp', 'index.ts'))) {
        const { cpCommand } = require('./cp') as { cpCommand: () => import('@mydocker/core').CommandSpec };
        registry.add(NAME, cpCommand());
      }
    });
  }
}
