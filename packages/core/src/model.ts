import type { FlagValues } from './flags';

/**
 * The container model shared by every plugin. A RunSpec is what the user asked for, kept raw
 * (strings as typed) so the CLI needs no knowledge of what a plugin accepts: each plugin parses
 * and checks its own fields in the `validate` hook. A ContainerRecord is what the state store keeps.
 */

/**
 * `unknown` is only ever the status of a damaged record (its file could not be read): nothing proves
 * whether the container still runs, so guards treat it as possibly running.
 */
export type ContainerStatus = 'created' | 'running' | 'stopped' | 'unknown';

/**
 * The exit code recorded when a container ended while no monitor watched it (its monitor was killed):
 * only a process's parent can read its exit status, and the re-parented PID 1 belongs to the host's init.
 * Docker's inspect shows -1 for a container whose exit status it does not know; so do we, and `ps`
 * says "exit code unknown".
 */
export const EXIT_CODE_UNKNOWN = -1;

export interface RunSpec {
  /** Image reference; the CLI fills in the default image for the seed's `run /bin/top` form. */
  image: string;
  /** Arguments after the image; empty means the image's default command. */
  command: string[];
  name?: string;
  detach: boolean;
  tty: boolean;
  interactive: boolean;
  /**
   * Docker's StdinOnce (Engine API): when the client attached to stdin ends its input, the container's stdin
   * is closed, so `echo x | docker run -i busybox cat` ends. Absent: the CLI's rule (`run -i` in the foreground).
   */
  stdinOnce?: boolean;
  /** --rm: remove the container when it ends. */
  autoRemove: boolean;
  hostname?: string;
  /** KEY=VALUE entries, already resolved by the CLI (-e KEY copies the caller's value, --env-file). */
  env: string[];
  workdir?: string;
  user?: string;
  entrypoint?: string;
  /**
   * --read-only: the root filesystem is mounted read-only (the runtime mounts it so, `cp` refuses to write
   * into it): part of the container model, as Docker's HostConfig.ReadonlyRootfs.
   */
  readOnly?: boolean;
  /** --label / --label-file entries as KEY=VALUE (a bare KEY is KEY=), resolved by the CLI. */
  labels?: string[];
  /** -a/--attach: the streams a foreground run connects, raw; undefined is stdout and stderr (and stdin with -i). */
  attach?: string[];
  /** --sig-proxy: forward the signals `run` receives to the container; undefined is Docker's default, true. */
  sigProxy?: boolean;
  /** --detach-keys (Docker's "ctrl-p,ctrl-q" form), raw; undefined is ctrl-p,ctrl-q. */
  detachKeys?: string;
  /**
   * --stop-signal, checked by the CLI: a signal name with the SIG prefix ("SIGUSR1") or a number as
   * decimal text. `stop`, `restart` and `rm -f -t` send it first; undefined is SIGTERM.
   */
  stopSignal?: string;
  /** --stop-timeout, seconds before SIGKILL for `stop`/`restart`/`rm -f` when they get no -t. */
  stopTimeout?: number;
  /** --cidfile: where the CLI wrote the container's id (kept for inspect's HostConfig.ContainerIDFile). */
  cidFile?: string;
  /**
   * --restart no|on-failure[:N]|always|unless-stopped, raw; parsed by the engine (restart-policy.ts). A core
   * field, not a plugin flag: restarting is the engine's job (its monitor hand-off, back-off, `stop` by hand,
   * `ps`/inspect's RestartCount), no plugin acts on it.
   */
  restart?: string;
  /**
   * The values of the flags plugins declared (`bus.flags.declare`), raw as typed, keyed by the declaring
   * plugin's name, then by flag name: `{ cgroups: { memory: '100m' } }`. A plugin reads its own with
   * `flagsOf(spec, name)`; nothing else reads them.
   */
  flags?: Record<string, FlagValues>;
}

/** An image's HEALTHCHECK (OCI config's Healthcheck; durations in nanoseconds, 0 = the default). */
export interface ImageHealthcheck {
  test: string[];
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  /** Docker 25's HEALTHCHECK --start-interval, in ns. */
  startInterval?: number;
  retries?: number;
}

export function emptyRunSpec(overrides: Partial<RunSpec> = {}): RunSpec {
  return {
    image: 'busybox',
    command: [],
    detach: false,
    tty: false,
    interactive: false,
    autoRemove: false,
    env: [],
    ...overrides,
  };
}

/** What an image says about how to run it (OCI image config, the parts we use). */
export interface ImageConfig {
  env: string[];
  cmd: string[];
  entrypoint: string[];
  workdir: string;
  user?: string;
  /** Paths the image declares as volumes: each gets an anonymous volume unless `-v` covers it. */
  volumes?: string[];
  /** `PORT/PROTO` the image exposes (for a later `-P`). */
  exposedPorts?: string[];
  /** The signal `stop` sends first (the image's STOPSIGNAL); SIGTERM when absent. */
  stopSignal?: string;
  labels?: Record<string, string>;
  healthcheck?: ImageHealthcheck;
}

export interface ContainerRecord {
  id: string;
  name: string;
  /** The image reference as the user gave it. */
  image: string;
  imageId?: string;
  /** The full argv the container runs (entrypoint + command). */
  command: string[];
  /** ISO 8601. */
  createdAt: string;
  status: ContainerStatus;
  /** Host PID of the container's PID 1 while it runs. */
  pid?: number;
  /** /proc/PID/stat start time of `pid`, so a recycled PID is never mistaken for the container. */
  pidStartTime?: number;
  /**
   * `/proc/PID/ns/pid` of PID 1 as seen at spawn (e.g. "pid:[4026532253]"): with the start time it proves
   * that a PID is still the container's before anything signals it.
   */
  pidNamespace?: string;
  /**
   * The mydocker process that is creating the container (PID and start time). While the record is
   * `created`, a live creator means "still being made"; a dead one means a crash left it behind.
   */
  creatorPid?: number;
  creatorStartTime?: number;
  /**
   * Made by `mydocker create` and not started since: a `created` record that waits for `start`, not one
   * whose creator crashed half-way through a run. Such a record is never settled to `stopped` (only a
   * removal settles it); the first successful start clears the flag.
   */
  awaitingStart?: boolean;
  /** Host PID of the monitor (the native helper that stays as the container's parent). */
  monitorPid?: number;
  monitorStartTime?: number;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  /** The signal `stop` sends first (from the image's config); SIGTERM when absent. */
  stopSignal?: string;
  /** Resolved environment (image + user): `exec` reuses it. */
  env: string[];
  hostname: string;
  workdir: string;
  user?: string;
  tty: boolean;
  detach: boolean;
  autoRemove: boolean;
  /** The request as given, for `inspect` and for plugins that act again at stop/remove. */
  spec: RunSpec;
  /**
   * What the runtime mounts inside the container's root (volumes, /etc/hosts, ...), as plugins added them
   * in `create`. Kept in the record so that commands working from the host side (`cp`, `inspect`) see
   * the container's filesystem as its processes do.
   */
  mounts?: MountSpec[];
  /**
   * Device nodes the container gets beyond the default set (--device, or every host device with
   * --privileged), resolved from the host in `validate`: the runtime creates them, cgroups allows them.
   */
  devices?: DeviceSpec[];
  /**
   * Set by the runtime plugin in `validate` for --privileged: every capability and every device, so the
   * device cgroup allows them all. Part of the model (Docker's HostConfig.Privileged), not of a flag table.
   */
  privileged?: boolean;
  /**
   * Set when the record file could not be read (garbage, truncated, wrong types): only `id` is known,
   * the rest is defaults. `stopped`/`remove` taps must then find what they own from the id alone.
   */
  damaged?: boolean;
  /** Why a damaged record could not be read (for the one warning line). */
  damage?: string;
  /**
   * Not stored: set by the engine's view when PID 1 lives but its monitor is gone (killed): nothing
   * captures its output, and its exit code will be unknown.
   */
  unmonitored?: boolean;
  /** Restarts made by the restart policy (inspect's RestartCount); a `start` by hand resets it. */
  restartCount?: number;
  /** The last back-off delay (ms), which the next restart doubles unless the run lasted 10 s. */
  restartDelayMs?: number;
  /**
   * The run ended and its policy restarts it: its monitor waits `restartDelayMs`, then runs
   * `container-restart` (Docker's State.Restarting). Cleared by that restart, `stop`, `start` and `rm`.
   */
  restarting?: boolean;
  /** `stop`/`kill` by hand (Docker's HasBeenManuallyStopped): `unless-stopped` stays down. */
  manuallyStopped?: boolean;
  /** `stop` (or `kill` with the stop signal) ended this run: its policy does not restart it. */
  restartCancelled?: boolean;
  /** Why the last restart by the policy failed (inspect's State.Error). */
  restartError?: string;
  /** Per-plugin data, keyed by plugin name (cgroups paths, network address, storage driver, ...). */
  ext: Record<string, unknown>;
}

/** A device node inside the container and the access the device cgroup grants to it. */
export interface DeviceSpec {
  /** Absolute path inside the container, e.g. /dev/fuse. */
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  /** Any of r, w, m. */
  access: string;
  /** Permission bits of the node (e.g. 0o666). */
  fileMode: number;
  uid: number;
  gid: number;
}

/** A mount the runtime makes inside the container before pivot_root. */
export interface MountSpec {
  source: string;
  /** Absolute path inside the container. */
  destination: string;
  type: 'bind' | 'tmpfs';
  readOnly?: boolean;
  /** Extra options for tmpfs (e.g. "size=64m", or mount(8) flag words such as "noexec"). */
  data?: string;
  /** A bind's propagation (shared, rshared, slave, rslave, private, rprivate); unset is rprivate. */
  propagation?: string;
}

export interface LogTarget {
  /** File the monitor appends to, in the k8s-file format (see @mydocker/logs). */
  path: string;
  /** Bytes before rotation; 0 = never rotate. */
  maxSize: number;
  /** Files kept including the live one (>= 1). */
  maxFiles: number;
}

/** Security settings the runtime applies between pivot_root and exec. */
export interface SecuritySpec {
  /** Capability names without the CAP_ prefix, e.g. "CHOWN". */
  capabilities: string[];
  noNewPrivileges: boolean;
  /** "default" or "unconfined". */
  seccomp: 'default' | 'unconfined';
  maskedPaths: string[];
  readonlyPaths: string[];
  privileged: boolean;
}

export interface ExitStatus {
  /** Docker-style code: the process's exit code, or 128 + signal number; EXIT_CODE_UNKNOWN when it cannot be had. */
  code: number;
  signal?: number;
}

/**
 * Stands in for a record that cannot be read (core's damaged-record contract): only the id (and the name,
 * from the name index) is known. Its status is `unknown`, so that nothing but `rm -f` treats the
 * container as stopped, and every plugin's stopped/remove tap cleans what it owns from the id alone.
 */
export function damagedRecord(id: string, name: string | undefined, reason: string, createdAt = new Date(0)): ContainerRecord {
  return {
    id,
    name: name ?? id,
    image: '',
    command: [],
    createdAt: createdAt.toISOString(),
    status: 'unknown',
    env: [],
    hostname: '',
    workdir: '/',
    tty: false,
    detach: false,
    autoRemove: false,
    spec: emptyRunSpec({ image: '' }),
    damaged: true,
    damage: reason,
    ext: {},
  };
}
