import { OciError } from './errors';

/** mount(2) flags, as <sys/mount.h>. */
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  SILENT: 0x8000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  STRICTATIME: 0x1000000,
} as const;

/** runc's option words: [flags to set, flags to clear]. */
const WORDS: Record<string, [number, number]> = {
  ro: [MS.RDONLY, 0],
  rw: [0, MS.RDONLY],
  nosuid: [MS.NOSUID, 0],
  suid: [0, MS.NOSUID],
  nodev: [MS.NODEV, 0],
  dev: [0, MS.NODEV],
  noexec: [MS.NOEXEC, 0],
  exec: [0, MS.NOEXEC],
  sync: [MS.SYNCHRONOUS, 0],
  async: [0, MS.SYNCHRONOUS],
  dirsync: [MS.DIRSYNC, 0],
  remount: [MS.REMOUNT, 0],
  mand: [MS.MANDLOCK, 0],
  nomand: [0, MS.MANDLOCK],
  atime: [0, MS.NOATIME],
  noatime: [MS.NOATIME, 0],
  diratime: [0, MS.NODIRATIME],
  nodiratime: [MS.NODIRATIME, 0],
  relatime: [MS.RELATIME, 0],
  norelatime: [0, MS.RELATIME],
  strictatime: [MS.STRICTATIME, 0],
  nostrictatime: [0, MS.STRICTATIME],
  bind: [MS.BIND, 0],
  rbind: [MS.BIND | MS.REC, 0],
  defaults: [0, 0],
};

export const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

export interface ParsedMountOptions {
  flags: number;
  propagation: number;
  data: string;
  /** Words read but not acted on (said once on the log). */
  ignored: string[];
}

/** Splits config.json mount options into flags, a propagation and the filesystem's data string. */
export function parseMountOptions(options: readonly string[] = [], where: string): ParsedMountOptions {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  const ignored: string[] = [];
  for (const word of options) {
    if (word in WORDS) {
      const [set, clear] = WORDS[word];
      flags = (flags | set) & ~clear;
    } else if (word in PROPAGATION) {
      propagation = PROPAGATION[word];
    } else if (/^r(ro|rw|nosuid|suid|nodev|dev|noexec|exec|atime|noatime|relatime|strictatime|nodiratime|diratime)$/.test(word)) {
      throw new OciError(`The mount option "${word}" of ${where} (recursive mount attributes) is not supported by mydocker-oci.`);
    } else if (word === 'idmap' || word === 'ridmap') {
      throw new OciError(`The mount option "${word}" of ${where} (id-mapped mounts) is not supported by mydocker-oci.`);
    } else if (['tmpcopyup', 'notmpcopyup', 'copy-symlink', 'z', 'Z', 'U'].includes(word)) {
      ignored.push(word); // engine-level words (crun's copy-up, SELinux relabel, chown): the engine did it
    } else {
      data.push(word);
    }
  }
  return { flags, propagation, data: data.join(','), ignored };
}
