import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from '@mydocker/core';
import { OciError } from './errors';
import type { OciHooks } from './spec-types';

/** What `create` keeps in <root>/<id>/state.json: everything later commands need, no daemon involved. */
export interface ContainerState {
  id: string;
  pid: number;
  /** /proc/PID/stat start time: a recycled PID is never taken for the container. */
  pidStartTime?: number;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  cgroup: { parent: string; name: string };
  /**
   * The cgroup manager's directories (controller or "unified" → directory) and version, as create made
   * them: the native front (native/) reads, freezes and removes the cgroup from these without the plugins.
   */
  cgroupPaths?: Record<string, string>;
  cgroupVersion?: 1 | 2;
  hooks?: OciHooks;
  /** Set once `start` let the process go. */
  started?: boolean;
}

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

const ID = /^[\w+\-.]+$/;

export class StateDir {
  constructor(readonly root: string) {}

  checkId(id: string | undefined): string {
    if (!id) throw new OciError('A container id is required.');
    if (!ID.test(id) || id === '.' || id === '..') throw new OciError(`The container id "${id}" is not valid: use letters, digits, _ + - and . only.`);
    return id;
  }

  dir(id: string): string {
    return join(this.root, id);
  }

  fifo(id: string): string {
    return join(this.dir(id), 'exec.fifo');
  }

  /** Reserves the id (mkdir is atomic: two creates of one id never both win). */
  reserve(id: string): string {
    mkdirSync(this.root, { recursive: true, mode: 0o711 });
    try {
      mkdirSync(this.dir(id), { mode: 0o711 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new OciError(`The container "${id}" already exists.`);
      throw err;
    }
    return this.dir(id);
  }

  save(state: ContainerState): void {
    const file = join(this.dir(state.id), 'state.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(state));
    renameSync(`${file}.tmp`, file);
  }

  load(id: string): ContainerState {
    this.checkId(id);
    const file = join(this.dir(id), 'state.json');
    if (!existsSync(file)) {
      if (existsSync(this.dir(id))) return { id, pid: 0, bundle: '', rootfs: '', created: '', cgroup: { parent: '', name: '' } };
      throw new OciError(`The container "${id}" does not exist.`);
    }
    return JSON.parse(readFileSync(file, 'utf8')) as ContainerState;
  }

  remove(id: string): void {
    rmSync(this.dir(id), { recursive: true, force: true });
  }

  ids(): string[] {
    try {
      return readdirSync(this.root).filter((n) => ID.test(n));
    } catch {
      return [];
    }
  }
}

/** Alive and the same process: same start time, and not a zombie waiting for its parent to reap it. */
export function processAlive(state: ContainerState): boolean {
  if (!state.pid) return false;
  try {
    const stat = readFileSync(`/proc/${state.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return false;
  } catch {
    return false;
  }
  return state.pidStartTime === undefined || processStartTime(state.pid) === state.pidStartTime;
}

/** The runtime-spec state, read from the kernel each time (the runtime is a fresh process per command). */
export function statusOf(dirs: StateDir, state: ContainerState, frozen: () => boolean): Status {
  if (!state.created) return 'creating';
  if (!processAlive(state)) return 'stopped';
  if (existsSync(dirs.fifo(state.id))) return 'created';
  return frozen() ? 'paused' : 'running';
}

/** `runc state`'s JSON: the runtime-spec state plus runc's rootfs, created and owner. */
export function stateJson(state: ContainerState, status: Status): Record<string, unknown> {
  return {
    ociVersion: '1.2.0',
    id: state.id,
    pid: status === 'stopped' ? 0 : state.pid,
    status,
    bundle: state.bundle,
    rootfs: state.rootfs,
    created: state.created,
    ...(state.annotations && Object.keys(state.annotations).length ? { annotations: state.annotations } : {}),
    owner: '',
  };
}
