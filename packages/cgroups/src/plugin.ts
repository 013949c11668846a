import type { LifecycleBus, Plugin } from '@mydocker/core';

/**
 * Resource limits. `apply` only taps: the managers, the parser and the stats command load on first use,
 * because `apply` runs on every CLI command.
 */
export default class CgroupsPlugin implements Plugin {
  readonly name = 'cgroups';

  apply(bus: LifecycleBus): void {
    const name = this.name;
    const lifecycle = () => import('./lifecycle');
    bus.claim(name, 'resources');
    bus.hooks.validate.tapPromise(name, async (ctx) => (await lifecycle()).validate(ctx));
    // The cgroups belong to one run (`stopped` removes them): made again on every start.
    bus.hooks.prepare.tapPromise(name, async (ctx) => (await lifecycle()).create(ctx));
    bus.hooks.created.tapPromise(name, async (ctx) => (await lifecycle()).attach(ctx, ctx.record.pid));
    bus.hooks.execCreated.tapPromise(name, async (ctx, pid) => (await lifecycle()).attach(ctx, pid));
    bus.hooks.stopped.tapPromise(name, async (ctx) => (await lifecycle()).stopped(ctx));
    bus.hooks.remove.tapPromise(name, async (ctx) => (await lifecycle()).remove(ctx));
    bus.hooks.info.tapPromise(name, async (report) => (await lifecycle()).info(report, bus.config));
    bus.hooks.inspect.tapPromise(name, async (record, view) => (await import('./inspect')).fillInspect(record, view));
    bus.hooks.prune.tapPromise(name, async (report) => (await lifecycle()).prune(report, bus.config));
    bus.hooks.commands.tap(name, (registry) => {
      registry.add(name, {
        command: 'stats [containers..]',
        describe: 'Show live resource usage of running containers (CPU, memory, PIDs)',
        builder: (yargs) =>
          yargs
            .positional('containers', { type: 'string', array: true, describe: 'Containers to show (default: all running)' })
            .option('stream', { type: 'boolean', default: true, describe: 'Refresh every second; --no-stream prints once' }),
        run: async (args, ctx) => (await import('./stats')).runStats(args, ctx),
      });
    });
  }
}
