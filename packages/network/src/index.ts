import { Stage, type LifecycleBus, type Plugin } from '@mydocker/core';
import type { NetworkLifecycle } from './lifecycle';
import { RUN_FLAGS } from './flags';

export type { NetworkConfig, NetworkExt, Endpoint, PortMapping } from './model';

const NAME = 'network';

/**
 * Bridge networks, IPAM and port mapping. `apply` only taps: the modules that talk to the kernel load
 * on first use, so commands that never touch a network pay nothing.
 */
export default class NetworkPlugin implements Plugin {
  readonly name = NAME;
  private life?: NetworkLifecycle;

  private lifecycle(bus: LifecycleBus): NetworkLifecycle {
    if (!this.life) {
      const { NetworkLifecycle: Lifecycle } = require('./lifecycle') as typeof import('./lifecycle');
      const { NetworkEnv } = require('./context') as typeof import('./context');
      this.life = new Lifecycle(new NetworkEnv(bus));
    }
    return this.life;
  }

  apply(bus: LifecycleBus): void {
    const life = () => this.lifecycle(bus);
    bus.flags.declare(NAME, ...RUN_FLAGS);
    bus.hooks.validate.tapPromise(NAME, (ctx) => life().validate(ctx));
    // Addresses, veths, port holds and /etc files belong to one run (`stopped` releases them): made in
    // `prepare`, on every start.
    bus.hooks.prepare.tapPromise({ name: NAME, stage: Stage.NORMAL }, (ctx) => life().create(ctx));
    bus.hooks.created.tapPromise(NAME, async (ctx) => {
      await life().created(ctx);
      await life().endpointEvents('connect', ctx.record);
    });
    bus.hooks.stopped.tapPromise(NAME, async (ctx) => {
      await life().endpointEvents('disconnect', ctx.record);
      await life().release(ctx.record);
    });
    bus.hooks.remove.tapPromise({ name: NAME, stage: Stage.NORMAL }, (ctx) => life().release(ctx.record));
    bus.hooks.prune.tapPromise(NAME, (report) => life().prune(report));
    bus.hooks.info.tapPromise(NAME, (report) => life().info(report));
    bus.hooks.inspect.tapPromise(NAME, async (record, view) => (require('./inspect') as typeof import('./inspect')).fillInspect(record, view));
    bus.hooks.inspectObject.tapPromise(NAME, async (request) => {
      if (request.type !== 'network') return undefined;
      const predefined = require('./predefined') as typeof import('./predefined');
      const named = predefined.predefinedNamed(life().env, request.ref);
      if (named) return (await predefined.predefinedView(life().env, named)) as Record<string, unknown>;
      const { store } = life().env;
      const net = store.find(request.ref);
      return net && ((require('./commands') as typeof import('./commands')).inspectView(net, store.readIpam()) as Record<string, unknown>);
    });
    bus.hooks.commands.tap(NAME, (registry) => {
      const { networkCommand } = require('./commands') as typeof import('./commands');
      registry.add(
        NAME,
        networkCommand(async () => life()),
      );
    });
  }
}

export { NetworkPlugin };
