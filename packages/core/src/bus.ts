import 'reflect-metadata';
import { AsyncSeriesBailHook, AsyncSeriesHook, SyncHook } from 'tapable';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { CommandRegistry } from './commands';
import type { EngineConfig } from './config';
import type { ContainerContext } from './context';
import type { ContainerRecord } from './model';
import { MissingPluginError, UsageError } from './errors';
import { FlagRegistry } from './flags';
import { makeEvent, type EventInput, type EventJournal } from './events';
import { SERVICE_PACKAGES, SERVICE_TOKENS, type ServiceMap } from './services';
import { TOKENS } from './tokens';
import type { StorageDriver, StorageDriverRegistration } from './storage-driver';
import { traceTap, traceTapsEnabled } from './trace';

export interface InfoReport {
  [section: string]: unknown;
}

/** What `system prune` found and removed, reported by each plugin. */
export interface PruneReport {
  /** Container ids that have a record. */
  knownIds: Set<string>;
  removed: string[];
}

/**
 * Docker's inspect JSON of one container, as the CLI builds it from the record. Plugins that own part of
 * the data (addresses and ports, cgroup limits) fill their part in the `inspect` hook, so nothing outside
 * a plugin reads its `ext`. The full typed shape lives in the CLI (Engine API types); here only the
 * sections a plugin writes into are named.
 */
export interface ContainerInspectView {
  HostConfig: Record<string, unknown>;
  NetworkSettings: Record<string, unknown>;
  Config: Record<string, unknown>;
  Mounts: Array<Record<string, unknown>>;
  [field: string]: unknown;
}

/** A request to `inspect` an object that is not a container; the plugin that owns the kind answers. */
export interface ObjectInspectRequest {
  type: 'image' | 'network' | 'volume' | (string & {});
  ref: string;
}

/** One row of `system df`: what a plugin counts for one of Docker's types. Sizes in bytes. */
export interface DiskUsageEntry {
  type: 'Images' | 'Containers' | 'Local Volumes' | 'Build Cache' | (string & {});
  total: number;
  active: number;
  size: number;
  reclaimable: number;
  /** `system df -v`: one row per object, columns named as Docker's verbose tables. */
  items?: Array<Record<string, string | number>>;
}

export interface DiskUsageReport {
  /** Every container, its status as the engine reads it (so plugins need not check processes). */
  containers: ContainerRecord[];
  entries: DiskUsageEntry[];
}

export interface PluginInfo {
  name: string;
  packageName?: string;
  version?: string;
  path?: string;
}

function createHooks() {
  return Object.freeze({
    /** Check options before anything is touched; throw a UsageError to refuse. */
    validate: new AsyncSeriesHook<[ContainerContext]>(['ctx']),
    /**
     * Make what the container keeps for its whole life, until `rm` (record, name, writable layer, volumes,
     * log file); register undo steps. Runs once, for `run` and `create`.
     */
    create: new AsyncSeriesHook<[ContainerContext]>(['ctx']),
    /**
     * Make what one run of the container needs and the `stopped` hooks release (root mount, addresses,
     * veths and port holds, cgroups, the log target, /etc files); register undo steps. Runs on every start:
     * after `create` for `run`, alone for `start`/`restart` of a created or exited container. A tap works
     * from the record (its `ext` and spec), never from what `validate` left in the context, since `start`
     * does not run `validate`.
     */
    prepare: new AsyncSeriesHook<[ContainerContext]>(['ctx']),
    /** The process exists in its namespaces but has not exec'd: attach cgroups, move the veth. */
    created: new AsyncSeriesHook<[ContainerContext]>(['ctx']),
    /**
     * `exec` made a process that waits before joining the container (its host PID is the second
     * argument): cgroups attach it, as they did the container's PID 1 in `created`.
     */
    execCreated: new AsyncSeriesHook<[ContainerContext, number]>(['ctx', 'pid']),
    /** The command runs: record it. */
    started: new AsyncSeriesHook<[ContainerContext]>(['ctx']),
    /**
     * A `run`, `create` or `start` failed and its undo steps have run (the container is as it was before
     * it): audit or metrics plugins see the context and the error. A tap's own failure is ignored.
     */
    failed: new AsyncSeriesHook<[ContainerContext, Error]>(['ctx', 'error']),
    /** Return a reason to refuse a stop. */
    preStop: new AsyncSeriesBailHook<[ContainerContext], string | undefined>(['ctx']),
    /**
     * The engine sent a signal to the container's PID 1 (`kill`, `rm -f`): a plugin that holds the
     * container's processes back (the freezer of a paused container) lets a signal that ends it through.
     */
    signalled: new AsyncSeriesHook<[ContainerContext, NodeJS.Signals | number]>(['ctx', 'signal']),
    /** The process is gone: release cgroups, addresses, rules, mounts; record the exit. */
    stopped: new AsyncSeriesHook<[ContainerContext]>(['ctx']),
    /**
     * Guards: return a reason to refuse the removal (or an error that carries its own exit code). The first
     * refusal wins and nothing is touched.
     */
    preRemove: new AsyncSeriesBailHook<[ContainerContext], string | Error | undefined>(['ctx']),
    /** Delete layers, addresses, logs; the state store deletes the record last. */
    remove: new AsyncSeriesHook<[ContainerContext]>(['ctx']),
    /** Contribute CLI commands. */
    commands: new SyncHook<[CommandRegistry]>(['registry']),
    /** Contribute sections to `mydocker info`. */
    info: new AsyncSeriesHook<[InfoReport]>(['report']),
    /** Fill the parts of Docker's inspect view that a plugin owns, from the record's `ext` (read-only). */
    inspect: new AsyncSeriesHook<[ContainerRecord, ContainerInspectView]>(['record', 'view']),
    /**
     * `inspect` of an image, network or volume (plain `inspect NAME` and `--type`): the plugin that owns
     * the kind returns Docker's inspect view, or undefined when it has no such object (the next tap is asked).
     */
    inspectObject: new AsyncSeriesBailHook<[ObjectInspectRequest], Record<string, unknown> | undefined>(['request']),
    /** `system df`: each plugin adds the rows it can count (images, container layers, volumes). */
    diskUsage: new AsyncSeriesHook<[DiskUsageReport]>(['report']),
    /** Find and remove leftovers of containers that have no record (after a crash). */
    prune: new AsyncSeriesHook<[PruneReport]>(['report']),
  });
}

export type LifecycleHooks = ReturnType<typeof createHooks>;

/** MYDOCKER_TRACE=taps: wrap every promise tap so its time is printed (where start-up time goes). */
function timeTaps(hooks: LifecycleHooks): void {
  for (const [hookName, hook] of Object.entries(hooks)) {
    (hook as { intercept(i: object): void }).intercept({
      register(tap: { type: string; name: string; fn: (...args: unknown[]) => unknown }) {
        if (tap.type !== 'promise') return tap;
        const fn = tap.fn;
        return {
          ...tap,
          fn: async (...args: unknown[]) => {
            const start = performance.now();
            try {
              return await fn(...args);
            } finally {
              traceTap(hookName, tap.name, performance.now() - start);
            }
          },
        };
      },
    });
  }
}

/**
 * The lifecycle bus: one frozen set of hooks, plus registries for services and storage drivers.
 * Plugins `apply(bus)`; the engine and the CLI only call hooks and look services up by key.
 */
export class LifecycleBus {
  readonly hooks: LifecycleHooks = createHooks();
  readonly plugins: PluginInfo[] = [];
  /**
   * The `run`/`create` flags plugins bring (`bus.flags.declare(this.name, {...})`): the CLI parses and
   * lists them from here; a flag nobody declared is refused by the CLI.
   */
  readonly flags = new FlagRegistry();
  private readonly drivers = new Map<string, StorageDriverRegistration>();
  /** The events journal: set for an installed engine (createEngineFromInstalled), absent in unit tests. */
  events?: EventJournal;

  /**
   * @param container where services live (the one registry): `provide` registers there, `need` resolves
   * there, so a test that registered fakes in a parent container gets them.
   */
  constructor(
    readonly config: EngineConfig,
    readonly container: DependencyContainer = rootContainer.createChildContainer(),
  ) {
    if (traceTapsEnabled()) timeTaps(this.hooks);
  }

  /**
   * Records an event (Docker's `events`): plugins call it for what they make and remove (networks,
   * volumes, images). Best effort: a journal that cannot be written never fails the command.
   */
  async emitEvent(input: EventInput): Promise<void> {
    if (!this.events) return;
    try {
      await this.events.append(makeEvent(input));
    } catch {
      // The event is lost; what it reports happened all the same.
    }
  }

  /** A plugin provides a service: registered in the container (`owner` is the providing plugin, for reading). */
  provide<K extends keyof ServiceMap>(key: K, _owner: string, impl: ServiceMap[K]): void {
    this.container.register(SERVICE_TOKENS[key], { useValue: impl });
  }

  has(key: keyof ServiceMap): boolean {
    return this.container.isRegistered(SERVICE_TOKENS[key], true);
  }

  /** The service from the container, or a MissingPluginError naming the package to install. */
  need<K extends keyof ServiceMap>(key: K, what = `This command`): ServiceMap[K] {
    if (!this.has(key)) throw new MissingPluginError(what, SERVICE_PACKAGES[key]);
    return this.container.resolve<ServiceMap[K]>(SERVICE_TOKENS[key]);
  }

  registerStorageDriver(registration: StorageDriverRegistration): void {
    this.drivers.set(registration.name, registration);
  }

  storageDriverNames(): string[] {
    return [...this.drivers.keys()];
  }

  storageDriverRegistration(name: string): StorageDriverRegistration | undefined {
    return this.drivers.get(name);
  }

  /**
   * The driver in the container (a test's fake), else the configured one, else the preferred supported
   * one; chosen once, then registered in the container.
   */
  storageDriver(): StorageDriver {
    if (this.container.isRegistered(TOKENS.StorageDriver, true)) return this.container.resolve<StorageDriver>(TOKENS.StorageDriver);
    const wanted = this.config.storageDriver;
    let registration: StorageDriverRegistration | undefined;
    if (wanted) {
      registration = this.drivers.get(wanted);
      if (!registration) {
        const known = this.storageDriverNames();
        throw new UsageError(
          `Unknown storage driver "${wanted}"${known.length ? ` (known: ${known.join(', ')})` : ''}: install the package that provides it and name it in the config's "plugins".`,
        );
      }
      if (!registration.isSupported()) throw new UsageError(`The storage driver "${wanted}" is not supported on this host.`);
    } else {
      registration = [...this.drivers.values()].filter((d) => d.isSupported()).sort((a, b) => a.priority - b.priority)[0];
      if (!registration) throw new MissingPluginError('Running a container', '@mydocker/aufs-storage');
    }
    const driver = registration.create({ home: `${this.config.root}/storage/${registration.name}`, config: this.config });
    this.container.register(TOKENS.StorageDriver, { useValue: driver });
    return driver;
  }
}
