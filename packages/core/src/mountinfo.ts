import { readFileSync } from 'node:fs';

/** One line of /proc/PID/mountinfo (proc(5)), the fields a plugin asks about, octal escapes decoded. */
export interface MountInfo {
  /** Field 5: where it is mounted. */
  mountPoint: string;
  /** Field 6: per-mount options (ro, nosuid, …). */
  mountOptions: string[];
  /** After the " - " separator: the file system type (overlay, cgroup, cgroup2, …). */
  fstype: string;
  /** The mount source (a device, or the file system's name: overlay, tmpfs, …). */
  source: string;
  /** Per-superblock options (for a cgroup v1 mount, its controllers; for overlay, lowerdir=…). */
  superOptions: string[];
}

/** The kernel writes space, tab, newline and backslash in paths as \ooo (octal). */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses mountinfo text; lines that are not mountinfo lines (blank, cut short) are skipped. */
export function parseMountInfo(text: string): MountInfo[] {
  const mounts: MountInfo[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    // Optional fields (shared:N, master:N) vary in number, so the separator, not a column, splits the line.
    const before = line.slice(0, sep).split(' ');
    const after = line.slice(sep + 3).split(' ');
    if (before.length < 6 || !after[0]) continue;
    mounts.push({
      mountPoint: unescapeMountField(before[4]),
      mountOptions: before[5].split(','),
      fstype: after[0],
      source: unescapeMountField(after[1] ?? ''),
      superOptions: (after[2] ?? '').split(',').filter(Boolean),
    });
  }
  return mounts;
}

/** The mounts this process sees (its mount namespace), or of another process with `/proc/PID/mountinfo`. */
export function readMountInfo(file = '/proc/self/mountinfo'): MountInfo[] {
  return parseMountInfo(readFileSync(file, 'utf8'));
}
