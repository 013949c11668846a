/** The freezer of one container's cgroup (`pause`/`unpause`), whichever version holds it. */
export interface Freezer {
  /** "frozen" while frozen or freezing, "thawed", or undefined when the file cannot be read (no cgroup). */
  state(): 'frozen' | 'thawed' | undefined;
  /** Freezes every process of the cgroup and returns once the kernel says all are frozen. */
  freeze(): Promise<void>;
  /** Thaws them and returns once the kernel says so. */
  thaw(): Promise<void>;
}
