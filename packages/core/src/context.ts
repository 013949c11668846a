import type { EngineConfig } from './config';
import type { ContainerRecord, ImageConfig, LogTarget, MountSpec, RunSpec, SecuritySpec } from './model';
import type { MountDescription } from './storage-driver';

interface Undo {
  owner: string;
  fn: () => unknown;
}

/**
 * What flows through the lifecycle hooks for one container. Plugins read the request, add what they
 * prepared (root filesystem, mounts, log target) and register how to undo it: if any later step fails,
 * the engine runs the undo steps in reverse so that a half-made container leaves nothing behind.
 */
export class ContainerContext {
  /** Set by the image store in `validate`. */
  image?: ImageConfig;
  /** Set by the storage plugin in `create`: the mounted root filesystem. */
  rootfs?: string;
  /**
   * Set by the storage plugin instead of mounting `rootfs` itself, when the runtime says it can
   * (`Runtime.mountsRootfs`): the runtime makes this mount (target = `rootfs`) before the container's
   * process starts, and undoes it when the container has ended (StorageDriver.describeMount).
   */
  rootfsMount?: MountDescription;
  /** Extra mounts (volumes, /etc/hosts, ...), added in `create`; they live in the record, so they are saved with it. */
  get mounts(): MountSpec[] {
    return (this.record.mounts ??= []);
  }
  /** Set by the logs plugin in `create`; without it a detached container's output is discarded. */
  log?: LogTarget;
  /** Set by the namespaces plugin in `validate` (defaults, --cap-add, ...). */
  security?: SecuritySpec;
  /** Namespaces the container shares with the host instead of getting its own (e.g. "net" for --net host). */
  readonly sharedNamespaces = new Set<string>();
  /**
   * Open descriptors the monitor must hold for the container's whole life (e.g. bound sockets that
   * reserve published host ports, as conmon holds Podman's): the runtime hands them to the monitor,
   * never to the container. The plugin that opened them closes its own copies (through the handle that
   * owns them, so no descriptor number is closed twice) once the monitor has them, in `created`.
   */
  readonly heldFds: number[] = [];
  /**
   * cgroup v1 directories (absolute, under the host's cgroup mounts) that the container's PID 1 joins
   * itself right after the clone, before anything of the image runs: a thread that moves itself skips the
   * kernel's global cgroup lock and its RCU grace period (~12 ms a run). Set by the cgroups plugin in
   * `prepare`; its `created` tap reads /proc/PID/cgroup and attaches the process where it is not in yet.
   */
  readonly cgroupSelfJoin: string[] = [];
  /** Why the container is stopping or being removed (for messages and plugins that care). */
  force = false;
  removeVolumes = false;
  /**
   * The `stopped` hooks run as the first half of a removal: the record is about to be deleted, so the
   * state store does not rewrite it (a removal must work on a full disk).
   */
  removing = false;
  /**
   * What the `stopped`/`remove` taps released for a damaged record, one short phrase each (e.g. "cgroup
   * memory/mydocker/ID"): the engine reports it, since the record no longer says what there was.
   */
  readonly cleaned: string[] = [];
  private readonly undos: Undo[] = [];

  constructor(
    readonly config: EngineConfig,
    readonly record: ContainerRecord,
    readonly spec: RunSpec = record.spec,
  ) {}

  get id(): string {
    return this.record.id;
  }

  /** Per-plugin data kept in the record. */
  ext<T>(plugin: string): T | undefined {
    return this.record.ext[plugin] as T | undefined;
  }

  setExt(plugin: string, value: unknown): void {
    this.record.ext[plugin] = value;
  }

  onRollback(owner: string, fn: () => unknown): void {
    this.undos.push({ owner, fn });
  }

  /** Runs every undo step in reverse order; never throws, returns what failed. */
  async rollback(): Promise<Error[]> {
    const failures: Error[] = [];
    while (this.undos.length > 0) {
      const undo = this.undos.pop()!;
      try {
        await undo.fn();
      } catch (err) {
        failures.push(new Error(`${undo.owner}: ${(err as Error).message}`));
      }
    }
    return failures;
  }

  /** Forget the undo steps once the container has started: from then on stop/rm clean up. */
  commit(): void {
    this.undos.length = 0;
  }
}
