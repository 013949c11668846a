import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isProcessAlive, MydockerError, sleep } from '@mydocker/core';

/** Writes one cgroup control file; a kernel refusal becomes one sentence naming the file and value. */
export function writeControl(path: string, value: string | number): void {
  try {
    writeFileSync(path, String(value));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const why =
      code === 'ENOENT'
        ? 'the file does not exist (is the controller enabled?)'
        : code === 'EPERM' || code === 'EACCES'
          ? 'permission denied (the engine may lack CAP_SYS_RESOURCE for this value)'
          : code === 'EINVAL'
            ? 'the kernel refused the value'
            : (err as Error).message;
    throw new ControlWriteError(`Cannot set the cgroup limit: writing "${value}" to ${path} failed: ${why}.`, code);
  }
}

/** A refused write to a control file; `code` is the errno (EBUSY: a memory limit below what is in use). */
export class ControlWriteError extends MydockerError {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The current values of the control files that exist, so that a failed update can put them back. */
export function snapshotControls(paths: string[]): Map<string, string> {
  const saved = new Map<string, string>();
  for (const path of paths) {
    const value = readControl(path);
    if (value !== undefined) saved.set(path, value);
  }
  return saved;
}

/**
 * Writes back what `snapshotControls` saved, where it changed. Twice: some values are only accepted once
 * another is back (v1 memory must stay at or below memory+swap), so a refusal in the first pass is retried.
 */
export function restoreControls(saved: Map<string, string>): void {
  for (let pass = 0; pass < 2; pass++) {
    for (const [path, value] of saved) {
      if (readControl(path) === value) continue;
      try {
        writeFileSync(path, value);
      } catch {
        // The second pass may succeed once the other files are back.
      }
    }
  }
}

/** The cgroup a process was to join is gone: removed by a racing `rm -f` or prune. */
export class CgroupGoneError extends MydockerError {
  constructor(readonly dir: string) {
    super(`The cgroup ${dir} was removed before the process could join it.`);
  }
}

/** The process to attach has exited already. */
export class ProcessGoneError extends MydockerError {
  constructor(readonly pid: number) {
    super(`Process ${pid} exited before it could join its cgroup.`);
  }
}

/** Moves `pid` into the cgroup `dir`; a cgroup or process that vanished meanwhile is told apart from a refusal. */
export function joinCgroup(dir: string, pid: number): void {
  try {
    writeFileSync(`${dir}/cgroup.procs`, String(pid));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !isDir(dir)) throw new CgroupGoneError(dir);
    if (code === 'ESRCH') throw new ProcessGoneError(pid);
    writeControl(`${dir}/cgroup.procs`, pid);
  }
}

export function readControl(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function readNumber(path: string): number | undefined {
  const text = readControl(path);
  if (text === undefined || text === '' || text === 'max') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** "key value" lines (memory.stat, memory.events, cpu.stat, memory.oom_control). */
export function readKeyed(path: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (readControl(path) ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && Number.isFinite(Number(value))) out[key] = Number(value);
  }
  return out;
}

export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Makes `path` (and missing parents) inside a cgroup mount; returns the directories it made, top first. */
export function makeDirs(path: string): string[] {
  const missing: string[] = [];
  for (let p = path; !existsSync(p); p = dirname(p)) missing.unshift(p);
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new MydockerError(`Cannot create the cgroup ${dir}: ${(err as Error).message}.`);
      }
    }
  }
  return missing;
}

export function readPids(procsFile: string): number[] {
  return (readControl(procsFile) ?? '')
    .split('\n')
    .map((s) => Number(s))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * SIGKILLs every live process listed in the procs files until none is left (or the time is up).
 * Zombies count as gone: they hold nothing and leave the cgroup when reaped.
 */
export async function killAll(procsFiles: string[], timeoutMs = 3000): Promise<number[]> {
  const killed = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = procsFiles.flatMap(readPids).filter((pid) => isProcessAlive(pid));
    if (alive.length === 0 || Date.now() > deadline) break;
    for (const pid of alive) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.add(pid);
      } catch {
        // Already gone.
      }
    }
    await sleep(20);
  }
  return [...killed];
}

/** How a cgroup directory is removed; unit tests on a plain-directory tree pass one that deletes files too. */
export type Rmdir = (path: string) => void;

export async function removeDir(path: string, rmdir: Rmdir = rmdirSync, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    try {
      rmdir(path);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return false;
      if (code !== 'EBUSY' || Date.now() > deadline) {
        throw new MydockerError(`Cannot remove the cgroup ${path}: ${(err as Error).message}.`);
      }
    }
    await sleep(delay);
  }
}

/**
 * Removes the empty directories from `dir` up to (not including) `stopAt`: the cgroup parent goes
 * when its last container does. A directory still in use by another container stays.
 */
export function removeEmptyParents(dir: string, stopAt: string, rmdir: Rmdir = rmdirSync): void {
  for (let p = dir; p.length > stopAt.length && p.startsWith(stopAt + '/'); p = dirname(p)) {
    if (childDirs(p).length > 0) return;
    try {
      rmdir(p);
    } catch {
      return;
    }
  }
}

/** Child directories of a cgroup directory (sub-cgroups), by name. */
export function childDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}
