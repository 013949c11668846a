import type { Limits } from '../limits';
import type { CgroupStats } from '../manager';

/** One cgroup v1 controller: how it prepares, limits and reads the container's directory. */
export interface V1Controller {
  readonly name: string;
  /** Refuses limits this hierarchy cannot hold (e.g. swap without swap accounting); `mount` is its root. */
  check?(mount: string, limits: Limits): void;
  /** Runs on every directory from the mount point down to the container's, before any task joins. */
  prepare?(dir: string): void;
  apply(dir: string, limits: Limits): void;
  /** The control files `apply` may write, saved before an `update` so a refusal can put them back. */
  readonly controls?: readonly string[];
  /** `update` of a live cgroup when it differs from `apply` (write order against the values in force). */
  update?(dir: string, changes: Limits): void;
  stats?(dir: string, into: CgroupStats): void;
}
