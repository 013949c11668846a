import type { Limits } from '../limits';
import type { CgroupStats } from '../manager';

/** One cgroup v2 controller: the files it writes and reads in the container's directory. */
export interface V2Controller {
  readonly name: string;
  apply(dir: string, limits: Limits): void;
  /** The control files `apply` may write, saved before an `update` so a refusal can put them back. */
  readonly controls?: readonly string[];
  stats?(dir: string, into: CgroupStats): void;
}
