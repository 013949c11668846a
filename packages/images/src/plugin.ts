import { Stage, type ImageStore, type LifecycleBus, type Plugin } from '@mydocker/core';
import type { EarlyExtraction } from './pull';
import { pullFlags, RUN_FLAGS } from './flags';

const NAME = 'images';
type Store = typeof import('./store/store-for');
const store = (bus: LifecycleBus) => (require('./store/store-for') as Store).storeFor(bus);
type Lifecycle = typeof import('./lifecycle');
const lifecycle = (): Lifecycle => require('./lifecycle') as Lifecycle;

/**
 * Images: the content-addressed store (core's `images` service), its commands (images, rmi, image …,
 * import, load, save, commit, export, history), and the registries: `pull`, `push`, `tag`, `login`,
 * and `run` of an image that is not there yet. `apply` only registers; the work is required in the taps.
 */
export default class ImagesPlugin implements Plugin {
  readonly name = NAME;

  apply(bus: LifecycleBus): void {
    bus.flags.declare(NAME, ...RUN_FLAGS);
    const service: ImageStore & EarlyExtraction = {
      resolve: (ref) => store(bus).resolve(ref),
      addFetched: (image) => store(bus).addFetched(image),
      // Not in core's contract: pull.ts's EarlyExtraction, for this store only.
      extractFetchedLayer: (input, index, diffId) => store(bus).extractFetchedLayer(input, index, diffId),
      discardExtracted: (diff: string) => store(bus).layers.discard(diff),
      hasLayer: (diffId) => store(bus).hasLayer(diffId),
      tag: (source, target) => store(bus).tag(source, target),
      exportImage: (ref) => store(bus).exportImage(ref),
      storedManifest: (ref) => store(bus).storedManifest(ref),
      extractArchive: async (input, target) => {
        const { extractLayer } = require('./layer/tar-extract') as typeof import('./layer/tar-extract');
        await extractLayer(input as import('node:stream').Readable, target, { layer: false });
      },
      packArchive: (dir) => (require('./layer/tar-pack') as typeof import('./layer/tar-pack')).packDirectory(dir, { layer: false }),
    };
    bus.provide('images', NAME, service);
    // The command modules are loaded only when the commands are asked for (not for the CLI's own `run`).
    bus.hooks.commands.tap(NAME, (registry) => {
      const { imageCommands } = require('./commands') as typeof import('./commands');
      const { storeCommands } = require('./commands/specs') as typeof import('./commands/specs');
      for (const spec of [...storeCommands(), ...imageCommands()]) registry.add(NAME, spec);
    });
    // After the pull (stage -100), before the storage and runtime taps that read ctx.image.
    bus.hooks.validate.tapPromise({ name: NAME, stage: Stage.IMAGE }, (ctx) => lifecycle().validate(bus, ctx));
    bus.hooks.prune.tapPromise(NAME, (report) => lifecycle().prune(bus, report));
    bus.hooks.inspect.tapPromise(NAME, async (record, view) => {
      lifecycle().fillInspect(record, view);
      await lifecycle().fillSize(bus, record, view);
    });
    bus.hooks.inspectObject.tapPromise(NAME, (request) => lifecycle().inspectObject(bus, request));
    bus.hooks.diskUsage.tapPromise(NAME, (report) => lifecycle().diskUsage(bus, report));
    // Before every other validate tap: they resolve the image, which must be there by then.
    bus.hooks.validate.tapPromise({ name: NAME, stage: Stage.FETCH }, async (ctx) => {
      const { pullIfMissing } = require('./auto-pull') as typeof import('./auto-pull');
      const { pull, platform } = pullFlags(ctx.spec);
      await pullIfMissing(bus, ctx.spec.image, pull, platform);
    });
  }
}
