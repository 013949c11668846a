import type { LifecycleBus, Plugin } from '@mydocker/core';
import { imageCommands } from './commands';

const NAME = 'images';

/**
 * Images from registries: `pull`, `tag`, and `run` of an image that is not there yet. The image store
 * itself is reached only through core's `images` service.
 */
export default class ImagesPlugin implements Plugin {
  readonly name = NAME;

  apply(bus: LifecycleBus): void {
    bus.claim(NAME, 'pull');
    bus.hooks.commands.tap(NAME, (registry) => {
      for (const spec of imageCommands()) registry.add(NAME, spec);
    });
    // Before every other validate tap: they resolve the image, which must be there by then.
    bus.hooks.validate.tapPromise({ name: NAME, stage: -100 }, async (ctx) => {
      const { pullIfMissing } = require('./auto-pull') as typeof import('./auto-pull');
      await pullIfMissing(bus, ctx.spec.image, ctx.spec.pull);
    });
  }
}

export { ImagesPlugin };
export { parseReference, familiarName, fullString, storeName, withDefaultTag, type Reference } from './reference';
export { parseChallenges, type Challenge } from './challenge';
export { choosePlatform, hostPlatform, formatPlatform, type Platform } from './platform';
export { RegistryClient, RegistryError, type Credentials } from './registry-client';
export { PushClient } from './push-client';
export { push } from './push';
export { pull, type PullOptions } from './pull';
