import type { LifecycleBus, Plugin } from '@mydocker/core';
import { RUN_FLAGS } from './flags';

/**
 * Resource limits. `apply` only taps: the managers, the parser and the stats command load on first use,
 * because `apply` runs on every CLI command.
 */
export default class CgroupsPlugin implements Plugin {
  readonly name = 'cgroups';

  apply(bus: LifecycleBus): void {
    const name = this.name;
    const lifecycle = () => import('./lifecycle');
    const pause = () => import('./pause');
    const service = () => (require('./service') as typeof import('./service')).cgroupService;
    bus.provide('cgroups', name, {
      open: (parent, id) => service().open(parent, id),
      usage: (record) => service().usage!(record),
    });
    bus.flags.declare(name, ...RUN_FLAGS);
    bus.hooks.validate.tapPromise(name, async (ctx) => (await lifecycle()).validate(ctx));
    // The cgroups belong to one run (`stopped` removes them): made again on every start.
    bus.hooks.prepare.tapPromise(name, async (ctx) => (await lifecycle()).create(ctx));
    bus.hooks.created.tapPromise(name, async (ctx) => (await lifecycle()).attach(ctx, ctx.record.pid));
    bus.hooks.execCreated.tapPromise(name, async (ctx, pid) => {
      (await pause()).refuseExecIfPaused(ctx);
      (await lifecycle()).attach(ctx, pid);
    });
    // A paused container is thawed so that it can act on the signal that ends it, as Docker unpauses.
    bus.hooks.preStop.tapPromise(name, async (ctx) => void (await (await pause()).thawForSignal(ctx)));
    bus.hooks.signalled.tapPromise(name, async (ctx, signal) => (await pause()).thawForSignal(ctx, signal));
    bus.hooks.stopped.tapPromise(name, async (ctx) => (await lifecycle()).stopped(ctx));
    bus.hooks.remove.tapPromise(name, async (ctx) => (await lifecycle()).remove(ctx));
    bus.hooks.info.tapPromise(name, async (report) => (await lifecycle()).info(report, bus.config));
    bus.hooks.inspect.tapPromise(name, async (record, view) => {
      (await import('./inspect')).fillInspect(record, view);
      (await pause()).fillPausedState(record, view);
    });
    bus.hooks.prune.tapPromise(name, async (report) => (await lifecycle()).prune(report, bus.config));
    bus.hooks.commands.tap(name, (registry) => {
      registry.add(name, {
        command: 'stats [containers..]',
        describe: 'Show live resource usage of running containers (CPU, memory, PIDs)',
        builder: (yargs) =>
          yargs
            .positional('containers', { type: 'string', array: true, describe: 'Containers to show (default: all running)' })
            .option('stream', { type: 'boolean', default: true, describe: 'Refresh every second; --no-stream prints once' })
            .option('trunc', { type: 'boolean', default: true, describe: 'Truncate IDs; --no-trunc shows them whole' })
            .option('format', { type: 'string', describe: 'Format output using a Go template ({{.Name}} {{.CPUPerc}} ...), "table TEMPLATE" or json' }),
        run: async (args, ctx) => (await import('./stats')).runStats(args, ctx),
      });
      registry.add(name, {
        command: 'update [containers..]',
        describe: 'Update the resource limits and restart policy of containers (running ones at once, stopped ones from their next start)',
        builder: (yargs) =>
          yargs
            .positional('containers', { type: 'string', array: true, describe: 'Containers to update' })
            .option('cpus', { type: 'string', describe: 'Number of CPUs (e.g. 0.5)' })
            .option('cpu-shares', { alias: 'c', type: 'string', describe: 'CPU shares (relative weight, 2-262144)' })
            .option('cpuset-cpus', { type: 'string', describe: 'CPUs in which to allow execution (0-3, 0,1)' })
            .option('cpuset-mems', { type: 'string', describe: 'Memory nodes in which to allow execution (0-3, 0,1)' })
            .option('memory', { alias: 'm', type: 'string', describe: 'Memory limit (e.g. 100m)' })
            .option('memory-swap', { type: 'string', describe: 'Memory plus swap limit; -1 for unlimited swap' })
            .option('pids-limit', { type: 'string', describe: 'Tune container pids limit (-1 for unlimited)' })
            .option('cpu-period', { type: 'string', describe: 'Limit CPU CFS (Completely Fair Scheduler) period (µs)' })
            .option('cpu-quota', { type: 'string', describe: 'Limit CPU CFS (Completely Fair Scheduler) quota (µs; -1 for none)' })
            .option('memory-reservation', { type: 'string', describe: 'Memory soft limit (e.g. 50m)' })
            .option('blkio-weight', { type: 'string', describe: 'Block IO (relative weight), between 10 and 1000' })
            .option('kernel-memory', { type: 'string', describe: 'Kernel memory limit (deprecated: accepted and ignored)' })
            .option('restart', { type: 'string', describe: 'Restart policy to apply when a container exits (no, on-failure[:N], always, unless-stopped)' }),
        run: async (args, ctx) => (await import('./update')).runUpdate(args, ctx),
      });
      for (const verb of ['pause', 'unpause'] as const) {
        registry.add(name, {
          command: `${verb} [containers..]`,
          describe: verb === 'pause' ? 'Pause all processes within containers (the cgroup freezer)' : 'Unpause all processes within containers',
          builder: (yargs) =>
            yargs
              .positional('containers', { type: 'string', array: true, describe: `Containers to ${verb}` })
              .option('all', { alias: 'a', type: 'boolean', describe: `Podman's: ${verb} every ${verb === 'pause' ? 'running' : 'paused'} container` }),
          run: async (args, ctx) => (await pause()).runToggle(verb, args, ctx),
        });
      }
    });
  }
}
