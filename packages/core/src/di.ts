import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { LifecycleBus } from './bus';
import type { EngineConfig } from './config';
import { discoverPlugins, loadPluginClass, type DiscoveryOptions } from './discovery';
import { Engine } from './engine';
import { applyEventTaps } from './event-taps';
import { EventJournal } from './events';
import type { Plugin, PluginClass } from './plugin';
import { trace } from './trace';

/** Injection tokens: strings, so that two copies of core in one process still agree. */
export const TOKENS = {
  Config: 'mydocker:Config',
  Bus: 'mydocker:Bus',
  Engine: 'mydocker:Engine',
} as const;

export interface EngineSetup {
  container: DependencyContainer;
  bus: LifecycleBus;
  engine: Engine;
}

/**
 * Wires one engine: config, bus and engine in a child container (tests make as many as they like),
 * then every plugin class resolved through it (so a plugin may `@inject(TOKENS.Config)`) and applied.
 */
export function createEngine(config: EngineConfig, plugins: Array<PluginClass | Plugin>, parent: DependencyContainer = rootContainer): EngineSetup {
  const container = parent.createChildContainer();
  const bus = new LifecycleBus(config);
  container.register(TOKENS.Config, { useValue: config });
  container.register(TOKENS.Bus, { useValue: bus });
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
export function createEngineFromInstalled(config: EngineConfig, discovery: Omit<DiscoveryOptions, 'extra'>, only?: { services: string[] }): EngineSetup {
  let found = discoverPlugins({ ...discovery, extra: config.plugins });
  // A program that needs a few services (mydocker-oci: helper, cgroups) applies only the plugins declaring them.
  if (only) found = found.filter((p) => p.manifest.provides?.some((s) => only.services.includes(s)));
  trace('plugins discovered');
  const setup = createEngine(config, []);
  setup.bus.events = new EventJournal(config.runRoot);
  applyEventTaps(setup.bus);
  for (const entry of found) {
    const cls = loadPluginClass(entry);
    const plugin = setup.container.resolve(cls);
    plugin.apply(setup.bus);
    setup.bus.plugins.push({ name: plugin.name, packageName: entry.packageName, version: entry.version, path: entry.dir });
  }
  trace('plugins applied');
  return setup;
}
