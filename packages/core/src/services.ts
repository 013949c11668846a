import type { ContainerContext } from './context';
import type { ContainerRecord, ExitStatus, ImageConfig } from './model';
import type { ProcessProof } from './process';
import { TOKENS } from './tokens';

/**
 * Services that one plugin provides and others (and the CLI) use. They live in the engine's tsyringe
 * container (TOKENS); `bus.need(key)` resolves one there, so nothing imports a plugin by name, and a
 * missing one becomes a MissingPluginError naming the package.
 */

export interface StateStore {
  /** Claim the record's id and name atomically; a ConflictError if the name is taken. Writes the record. */
  reserve(record: ContainerRecord): Promise<void>;
  /** Replace the record atomically (write to a temp file, fsync, rename). */
  save(record: ContainerRecord): Promise<void>;
  /** Look up by name, full id or unique id prefix; a NotFoundError otherwise. */
  get(ref: string): Promise<ContainerRecord>;
  find(ref: string): Promise<ContainerRecord | undefined>;
  list(): Promise<ContainerRecord[]>;
  /** The ids of every stored container (damaged records included): what `system prune` keeps. */
  ids(): Promise<string[]>;
  /** Delete the record, its name and its directory. */
  delete(id: string): Promise<void>;
  /** Give the container a new name atomically (the caller holds its lock); a ConflictError if the name is taken. */
  rename?(id: string, newName: string): Promise<ContainerRecord>;
  /** Run `fn` holding this container's lock, exclusive across processes. */
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T>;
  /** The directory that holds the container's record; plugins may keep files there (logs, exit status). */
  containerDir(id: string): string;
}

export interface ResolvedImage {
  id: string;
  name: string;
  config: ImageConfig;
  /** Layer directories in overlay format, lowest first. */
  layers: string[];
}

/** An image fetched from a registry, its blobs verified against their digests, ready to be stored. */
export interface FetchedImage {
  /** The manifest's digest (`sha256:…`), kept so the image shows it as its repository digest. */
  manifestDigest: string;
  /** The manifest's exact bytes (an index's when the reference named one). */
  manifest: Buffer;
  /** When `manifest` is an index: the exact bytes of the image manifest chosen from it (its layer blobs are `layers`). */
  imageManifest?: Buffer;
  /** The config's exact bytes: its sha256 is the image id. */
  config: Buffer;
  /** Layer tarballs (gzip or plain) as downloaded, lowest first, in the order of the config's diff_ids. */
  layers: string[];
  /** Normalized `repository:tag` names to point at it (none for a pull by digest). */
  names: string[];
  /** The normalized repository, for `repository@digest`. */
  repository: string;
}

/** An image's manifest and blobs exactly as the store keeps them. */
export interface StoredManifest {
  digest: string;
  mediaType: string;
  manifest: Buffer;
  config: { digest: string; bytes: Buffer };
  /** `file`: where the blob's bytes are kept, for an upload that sends them in ranges. */
  layers: Array<{ digest: string; size: number; mediaType: string; file: string; open(): NodeJS.ReadableStream }>;
}

export interface ImageStore {
  /** NotFoundError with Docker's wording when the image is unknown. */
  resolve(ref: string): Promise<ResolvedImage>;
  /**
   * Stores a fetched image, all or nothing: a layer that does not match its diff id, or any failure,
   * leaves the store as it was. Layers already stored are not extracted again. Returns the image id.
   */
  addFetched?(image: FetchedImage): Promise<string>;
  /** Whether a layer (by diff id, `sha256:…`) is already stored, so a pull can skip its download. */
  hasLayer?(diffId: string): Promise<boolean>;
  /**
   * An image's config bytes and its layers as uncompressed layer tars (lowest first), for `push`.
   * NotFoundError if unknown. A layer tar is packed from the stored files, so its digest may differ
   * from the config's diff id; the caller then writes a config that follows the tars.
   */
  exportImage?(ref: string): Promise<{ id: string; config: Buffer; layers: Array<() => NodeJS.ReadableStream> }>;
  /**
   * The image's stored manifest with its config and layer blobs byte for byte, for a `push` that keeps the
   * image's digest; undefined when a layer blob is not kept (a layer this engine packs itself): the
   * caller then uses `exportImage`. NotFoundError if the image is unknown.
   */
  storedManifest?(ref: string): Promise<StoredManifest | undefined>;
  /** Points the name `target` at the image `source` names (Docker's `tag`); NotFoundError if unknown. */
  tag?(source: string, target: string): Promise<void>;
  /**
   * The store's tar codec for plain archives (`cp -`): unpacks `input` into the empty directory `target`
   * with the layer extractor, which never follows a path through a symlink the archive made; rejects with
   * a `TAR_*` code when the input is not a tar.
   */
  extractArchive?(input: NodeJS.ReadableStream, target: string): Promise<void>;
  /** A tar of the directory `dir` (sorted, devices kept), for `cp CONTAINER:PATH -`. */
  packArchive?(dir: string): NodeJS.ReadableStream;
}

/**
 * The process side of a container (namespaces, the native helper, the monitor).
 * The engine calls spawn → (created hooks) → start, and for a foreground container wait.
 */
export interface Runtime {
  /** Whether `spawn` makes `ctx.rootfsMount` itself (and unmounts it when the container has ended). */
  readonly mountsRootfs?: boolean;
  /** Create the container's process in its namespaces, stopped before exec; sets record.pid and monitorPid. */
  spawn(ctx: ContainerContext): Promise<void>;
  /** Let the process go on to exec; rejects with a 126/127 error if the command cannot run. */
  start(ctx: ContainerContext): Promise<void>;
  /** Foreground containers: wait for the end, returning the exit status. */
  wait(ctx: ContainerContext): Promise<ExitStatus>;
  /** Send a signal to the container's PID 1, only if it is proven to be the container's (else nothing). */
  signal(record: ContainerRecord, signal: NodeJS.Signals | number): void;
  /** True while the container's PID 1 lives and is proven to be the container's. */
  isRunning(record: ContainerRecord): boolean;
  /** Whether the record's PID is the container's, or a live process that must be left alone (and why). */
  prove?(record: ContainerRecord): ProcessProof;
  /** True while the monitor lives; false once it is gone (killed: nothing will record the exit). */
  monitorAlive?(record: ContainerRecord): boolean;
  /**
   * A damaged record knows only its id: find the container's PID 1 and monitor from what is named after
   * the id (its cgroups, its files) and fill them into the record. True when a live PID 1 was found.
   */
  adopt?(record: ContainerRecord): boolean;
  /**
   * Before `stop`/`rm -f` signals a running container: its monitor is to run no clean-up command, the caller
   * settles the record itself once the monitor is gone. releaseSettleClaim after that settle.
   */
  claimSettle?(record: ContainerRecord): void;
  releaseSettleClaim?(record: ContainerRecord): void;
  /** Wait for PID 1 to end; false on time-out. */
  waitExit(record: ContainerRecord, timeoutMs: number): Promise<boolean>;
  /** Wait for the monitor to finish (its clean-up included); false on time-out. */
  waitMonitor(record: ContainerRecord, timeoutMs: number): Promise<boolean>;
  /** The exit status the monitor recorded, if it did. */
  exitStatus(record: ContainerRecord): ExitStatus | undefined;
  /**
   * The monitor's attach socket (frames: 1 byte type, u32 length, payload), bound before the spawn
   * returns and served from the start on: the Engine API connects to it in `created` so that a client
   * attached before `start` sees the first byte of output.
   */
  attachSocket?(id: string): string;
}

/** The native helper, started the one way `mydocker run` starts it (used by mydocker-oci's modes). */
export interface HelperSession {
  readonly pid: number;
  /** The helper's next control line, or null once it closed the socket. */
  next(): Promise<string | null>;
  send(line: string): void;
  /** Closes our end of the control socket and lets the helper go on without us. */
  release(): void;
  kill(): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface HelperLauncher {
  /** Spawns the helper with `entries` as its launch config; `stdio: 'inherit'` hands it our fds 0-2. */
  start(entries: Array<[key: string, value: string]>, options: { stdio: 'inherit' | 'ignore'; detached: boolean }): Promise<HelperSession>;
}

/** Limits in the units cgroup v1 files take (the cgroups plugin's `Limits`). */
export interface CgroupLimits {
  memory?: number;
  memorySwap?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: number;
}

/** One device cgroup rule ('a' = all; '*' = any number). */
export interface CgroupDeviceRule {
  type: 'a' | 'c' | 'b';
  major: number | '*';
  minor: number | '*';
  access: string;
  allow: boolean;
}

/** One cgroup, `<hierarchy>/<parent>/<name>`, made and released by the same manager as `mydocker run`'s. */
export interface CgroupHandle {
  readonly version: 1 | 2;
  readonly paths: Record<string, string>;
  /** Refuses (a UsageError sentence) a limit this host cannot enforce; touches nothing. */
  check(limits: CgroupLimits): void;
  create(limits: CgroupLimits, devices?: readonly CgroupDeviceRule[]): Promise<void>;
  addProcess(pid: number): void;
  processes(): number[];
  update(limits: CgroupLimits): void;
  /** 'frozen', 'thawed', or undefined without a freezer. */
  freezerState(): 'frozen' | 'thawed' | undefined;
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  destroy(): Promise<void>;
}

/** One reading of a container's usage, the numbers `docker stats` and the Engine API's stats show. */
export interface ContainerUsage {
  /** When it was read (process.hrtime, nanoseconds): CPU % is the CPU time between two readings over this. */
  at: number;
  cpuUsageNs?: number;
  /** CPU time in user and kernel mode, and per CPU (none on cgroup v2), nanoseconds. */
  cpuUserNs?: number;
  cpuKernelNs?: number;
  cpuPerCpuNs?: number[];
  /** CFS throttling: periods run, periods throttled, nanoseconds throttled. */
  cpuThrottling?: { periods: number; throttledPeriods: number; throttledTimeNs: number };
  memoryUsage?: number;
  /** Bytes; undefined when unlimited. */
  memoryLimit?: number;
  pids?: number;
  blockRead?: number;
  blockWrite?: number;
  /** Bytes through the container's own interfaces; undefined when it shares the host's network. */
  net?: { rx: number; tx: number };
}

export interface CgroupService {
  open(parent: string, name: string): CgroupHandle;
  /** A container's usage now (empty counters when it is not running); for the Engine API's stats. */
  usage?(record: ContainerRecord): ContainerUsage;
}

export interface ServiceMap {
  stateStore: StateStore;
  runtime: Runtime;
  images: ImageStore;
  helper: HelperLauncher;
  cgroups: CgroupService;
}

/** The container token of each service key (`bus.need('stateStore')` resolves TOKENS.StateStore). */
export const SERVICE_TOKENS: Record<keyof ServiceMap, string> = {
  stateStore: TOKENS.StateStore,
  runtime: TOKENS.Runtime,
  images: TOKENS.ImageStore,
  helper: TOKENS.Helper,
  cgroups: TOKENS.Cgroups,
};

/** Which package provides each service, for the "install X" message. */
export const SERVICE_PACKAGES: Record<keyof ServiceMap, string> = {
  stateStore: '@mydocker/state-store',
  runtime: '@mydocker/namespaces',
  images: '@mydocker/images',
  helper: '@mydocker/namespaces',
  cgroups: '@mydocker/cgroups',
};
