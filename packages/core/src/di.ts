import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { LifecycleBus } from './bus';
import type { EngineConfig } from './config';
import { discoverPlugins, loadPluginClass, type DiscoveryOptions } from './discovery';
import { Engine } from './engine';
import { applyEventTaps } from './event-taps';
import { EventJournal } from './events';
import type { Plugin, PluginClass } from './plugin';
import { trace, traceTap, traceTapsEnabled } from './trace';
import { systemClock, TOKENS } from './tokens';

export { TOKENS, systemClock, type Clock, type ProcessSpawner } from './tokens';
/** Plugins decorate with core's copy of tsyringe, so their classes are known to the container that resolves them. */
export { inject, injectable } from 'tsyringe';

export interface EngineSetup {
  container: DependencyContainer;
  bus: LifecycleBus;
  engine: Engine;
}

/**
 * Wires one engine in a child container of `parent` (tests make as many as they like, and register fakes
 * of any service in `parent` first): config, bus, engine, clock and process spawner (unless `parent` has
 * them), then every plugin class resolved through it (so a plugin's constructor receives what it
 * `@inject`s) and applied. Services the plugins provide are registered in the same container.
 */
export function createEngine(config: EngineConfig, plugins: Array<PluginClass | Plugin>, parent: DependencyContainer = rootContainer): EngineSetup {
  const container = parent.createChildContainer();
  const bus = new LifecycleBus(config, container);
  container.register(TOKENS.Config, { useValue: config });
  container.register(TOKENS.Bus, { useValue: bus });
  if (!container.isRegistered(TOKENS.Clock, true)) container.register(TOKENS.Clock, { useValue: systemClock });
  if (!container.isRegistered(TOKENS.ProcessSpawner, true)) {
    container.register(TOKENS.ProcessSpawner, { useFactory: () => ({ spawn: (require('node:child_process') as typeof import('node:child_process')).spawn }) });
  }
  const engine = new Engine(bus);
  container.register(TOKENS.Engine, { useValue: engine });
  for (const p of plugins) {
    const plugin: Plugin = typeof p === 'function' ? container.resolve(p as PluginClass) : p;
    plugin.apply(bus);
    if (!bus.plugins.some((info) => info.name === plugin.name)) bus.plugins.push({ name: plugin.name });
  }
  return { container, bus, engine };
}

/** Discovers installed plugins (the `mydocker` key, the config's list) and wires an engine with them. */
export function createEngineFromInstalled(
  config: EngineConfig,
  discovery: Omit<DiscoveryOptions, 'extra'>,
  only?: { services: string[] },
  parent: DependencyContainer = rootContainer,
): EngineSetup {
  let found = discoverPlugins({ ...discovery, extra: config.plugins });
  // A program that needs a few services (mydocker-oci: helper, cgroups) applies only the plugins declaring them.
  if (only) found = found.filter((p) => p.manifest.provides?.some((s) => only.services.includes(s)));
  trace('plugins discovered');
  const setup = createEngine(config, [], parent);
  setup.bus.events = new EventJournal(config.runRoot);
  applyEventTaps(setup.bus);
  const timed = traceTapsEnabled();
  for (const entry of found) {
    const loadStart = timed ? performance.now() : 0;
    const cls = loadPluginClass(entry);
    const applyStart = timed ? performance.now() : 0;
    const plugin = setup.container.resolve(cls);
    plugin.apply(setup.bus);
    if (timed) {
      traceTap('load', entry.packageName, applyStart - loadStart);
      traceTap('apply', entry.packageName, performance.now() - applyStart);
    }
    setup.bus.plugins.push({ name: plugin.name, packageName: entry.packageName, version: entry.version, path: entry.dir });
  }
  trace('plugins applied');
  return setup;
}
