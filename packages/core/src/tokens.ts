/**
 * Injection tokens of the tsyringe container, the one place services live. Strings, so that two copies
 * of core in one process (a plugin that brings its own) still agree.
 */
export const TOKENS = {
  Config: 'mydocker:Config',
  Bus: 'mydocker:Bus',
  Engine: 'mydocker:Engine',
  /** StateStore (@mydocker/state-store). */
  StateStore: 'mydocker:StateStore',
  /** Runtime (@mydocker/namespaces). */
  Runtime: 'mydocker:Runtime',
  /** ImageStore (@mydocker/images). */
  ImageStore: 'mydocker:ImageStore',
  /** HelperLauncher (@mydocker/namespaces): the native helper for mydocker-oci's modes. */
  Helper: 'mydocker:Helper',
  /** CgroupService (@mydocker/cgroups). */
  Cgroups: 'mydocker:Cgroups',
  /** The StorageDriver in use: chosen from the registered drivers on first use unless one is registered. */
  StorageDriver: 'mydocker:StorageDriver',
  /** Clock: the engine's timestamps (created, started, finished). */
  Clock: 'mydocker:Clock',
  /** ProcessSpawner: how the runtime starts helper processes. */
  ProcessSpawner: 'mydocker:ProcessSpawner',
} as const;

/** What time it is (a fake in tests makes timestamps exact). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Starts a process (node's `child_process.spawn`, or a fake). */
export interface ProcessSpawner {
  spawn: typeof import('node:child_process').spawn;
}
