import { Stage, type ContainerContext, type LifecycleBus, type Plugin } from '@mydocker/core';
import { PLUGIN_NAME, type NamespacesExt } from './ext';
import { RUN_FLAGS } from './flags';

/**
 * Process isolation: provides the `runtime` service (the native helper mydocker-init and its driver),
 * resolves what the container runs in `validate`, and contributes `exec`. Everything heavy is required
 * inside the taps: `apply` runs on every CLI command.
 */
export class NamespacesPlugin implements Plugin {
  readonly name = PLUGIN_NAME;

  apply(bus: LifecycleBus): void {
    let runtime: import('./runtime').NamespacesRuntime | undefined;
    const lazyRuntime = () => {
      if (!runtime) {
        const { NamespacesRuntime } = require('./runtime') as typeof import('./runtime');
        runtime = new NamespacesRuntime(bus);
      }
      return runtime;
    };
    bus.provide('runtime', PLUGIN_NAME, {
      // The helper mounts the container's root with mount(2) before the clone (native/rootfs-mount.c).
      mountsRootfs: true,
      spawn: (ctx) => lazyRuntime().spawn(ctx),
      start: (ctx) => lazyRuntime().start(ctx),
      wait: (ctx) => lazyRuntime().wait(ctx),
      signal: (record, signal) => lazyRuntime().signal(record, signal),
      isRunning: (record) => lazyRuntime().isRunning(record),
      waitExit: (record, ms) => lazyRuntime().waitExit(record, ms),
      waitMonitor: (record, ms) => lazyRuntime().waitMonitor(record, ms),
      exitStatus: (record) => lazyRuntime().exitStatus(record),
      prove: (record) => lazyRuntime().prove(record),
      monitorAlive: (record) => lazyRuntime().monitorAlive(record),
      adopt: (record) => lazyRuntime().adopt(record),
      attachSocket: (id) => lazyRuntime().attachSocket(id),
      claimSettle: (record) => lazyRuntime().claimSettle(record),
      releaseSettleClaim: (record) => lazyRuntime().releaseSettleClaim(record),
    });
    // The one launch path, shared with mydocker-oci (its own modes of the same helper).
    bus.provide('helper', PLUGIN_NAME, {
      start: async (entries, options) => {
        const { HelperProcess } = require('./helper-process') as typeof import('./helper-process');
        const helper = await HelperProcess.start(entries, options.detached, [], { io: options.stdio });
        return {
          pid: helper.pid,
          next: () => helper.channel.next(),
          send: (line) => helper.channel.send(line),
          release: () => helper.release(),
          kill: () => helper.kill(),
          exited: helper.exited,
        };
      },
    });
    bus.flags.declare(PLUGIN_NAME, ...RUN_FLAGS);
    // After the image store (default stage) has set ctx.image.
    bus.hooks.validate.tapPromise({ name: PLUGIN_NAME, stage: Stage.RESOLVE }, async (ctx: ContainerContext) => {
      const { resolveForRun } = require('./validate') as typeof import('./validate');
      resolveForRun(ctx);
    });
    // `start` runs no `validate`: the security the container was created with is in its record.
    bus.hooks.prepare.tapPromise(PLUGIN_NAME, async (ctx: ContainerContext) => {
      ctx.security ??= ctx.ext<NamespacesExt>(PLUGIN_NAME)?.security;
    });
    bus.hooks.inspect.tapPromise(PLUGIN_NAME, async (record, view) => (require('./inspect') as typeof import('./inspect')).fillInspect(record, view));
    bus.hooks.commands.tap(PLUGIN_NAME, (registry) => {
      const { execCommand } = require('./exec-command') as typeof import('./exec-command');
      registry.add(PLUGIN_NAME, execCommand);
      const { attachCommand } = require('./attach-command') as typeof import('./attach-command');
      registry.add(PLUGIN_NAME, attachCommand);

      const { healthcheckCommand } = require('./health/command') as typeof import('./health/command');
      registry.add(PLUGIN_NAME, healthcheckCommand);
    });
    // Docker's Config.Healthcheck and State.Health (the last five results), from the record and health.json.
    bus.hooks.inspect.tapPromise(PLUGIN_NAME, async (record, view) => {
      const healthcheck = (record.ext[PLUGIN_NAME] as NamespacesExt | undefined)?.healthcheck;
      if (!healthcheck) return;

      const { inspectHealth } = require('./health/inspect') as typeof import('./health/inspect');
      inspectHealth(bus, record, healthcheck, view);
    });
  }
}

// package.json's "mydocker.plugin" entry: the class alone, without what index.ts re-exports.
export default NamespacesPlugin;
