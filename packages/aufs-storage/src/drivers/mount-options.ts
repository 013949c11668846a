/**
 * Mount option strings, kept pure so they can be tested on a kernel that lacks the filesystem (aufs).
 * Paths are given relative to the container directory: the mount runs with that directory as its cwd,
 * so that many layers still fit in the one page the mount(2) data argument allows.
 */

/** overlayfs: lowerdir lists the top-most layer first; ours are given lowest first. */
export function overlayMountOptions(lowerDirs: string[], upperDir: string, workDir: string): string {
  if (lowerDirs.length === 0) throw new Error('overlay needs at least one lower directory');
  for (const dir of [...lowerDirs, upperDir, workDir]) assertSafe(dir);
  return `lowerdir=${[...lowerDirs].reverse().join(':')},upperdir=${upperDir},workdir=${workDir}`;
}

/** aufs: one writable branch on top, then the read-only layers (top-most first) with whiteouts honoured. */
export function aufsMountOptions(lowerDirs: string[], upperDir: string): string {
  for (const dir of [...lowerDirs, upperDir]) assertSafe(dir);
  const branches = [`${upperDir}=rw`, ...[...lowerDirs].reverse().map((d) => `${d}=ro+wh`)];
  return `br:${branches.join(':')}`;
}

/** Option strings are split on "," and ":"; a path holding either would be misread. */
function assertSafe(path: string): void {
  if (path.length === 0 || /[,:=]/.test(path)) throw new Error(`unsupported path for a union mount: ${JSON.stringify(path)}`);
}
