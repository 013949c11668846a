import { existsSync, openSync, readFileSync, readSync, closeSync, renameSync, unlinkSync, writeFileSync, constants } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { processStartTime, type HelperSession } from '@mydocker/core';
import { cgroupLocation, cgroupOf, engineServices } from './engine';
import { OciError } from './errors';
import { runHooks } from './hooks';
import { createEntries, type Entry } from './launch-entries';
import type { RuntimeLog } from './log';
import { cgroupRequest } from './resources';
import type { OciSpec } from './spec-types';
import { processAlive, stateJson, statusOf, type ContainerState, type StateDir } from './state';

export const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** config.json of a bundle: refusals name what is wrong in one sentence. */
export function readSpec(bundle: string): OciSpec {
  const file = resolve(bundle, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new OciError(`The bundle ${bundle} has no config.json.`);
  }
  try {
    const spec = JSON.parse(text) as OciSpec;
    if (!spec || typeof spec !== 'object') throw new Error('not an object');
    return spec;
  } catch (err) {
    throw new OciError(`${file} is not valid JSON: ${(err as Error).message}.`);
  }
}

/** Writes a pid file as runc does: a temporary name, then renamed, so readers never see it half written. */
export function writePidFile(path: string | undefined, pid: number): void {
  if (!path) return;
  const file = resolve(path);
  writeFileSync(`${file}.tmp`, String(pid));
  renameSync(`${file}.tmp`, file);
}

async function expectLine(helper: HelperSession, want: RegExp): Promise<RegExpExecArray> {
  const line = await helper.next();
  if (line === null) {
    const { code, signal } = await helper.exited;
    throw new OciError(`The runtime helper ended early (${signal ? `signal ${signal}` : `exit code ${code}`}).`);
  }
  const err = /^error (\d+) (.*)$/s.exec(line);
  if (err) throw new OciError(`The container could not be created: ${err[2].replace(/\.?$/, '.')}`);
  const m = want.exec(line);
  if (!m) throw new OciError(`The runtime helper answered "${line}".`);
  return m;
}

export interface CreateOptions {
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
}

/**
 * create: checks the bundle, reserves the id, makes the cgroup, has the helper clone the process (it waits on
 * the exec FIFO), attaches it, runs prestart/createRuntime hooks, lets it set itself up. All undone on failure.
 * Returns the helper still connected (a foreground `run` waits through it).
 */
export async function create(dirs: StateDir, log: RuntimeLog, o: CreateOptions): Promise<{ helper: HelperSession; state: ContainerState }> {
  const id = dirs.checkId(o.id);
  const bundle = resolve(o.bundle);
  if (existsSync(dirs.dir(id))) throw new OciError(`The container "${id}" already exists.`);
  const spec = readSpec(bundle);
  const plan = createEntries(spec, bundle);
  const loc = cgroupLocation(spec.linux?.cgroupsPath, id);
  const req = cgroupRequest(spec.linux?.resources, spec.linux?.devices);
  for (const w of [...plan.warnings, ...req.warnings]) log.warn(w);
  if (spec.process?.terminal && !o.consoleSocket) throw new OciError('process.terminal is true: --console-socket is required.');
  if (!spec.process?.terminal && o.consoleSocket) throw new OciError('--console-socket was given but process.terminal is false.');
  const { helper: launcher } = engineServices();
  const cgroup = cgroupOf(loc);
  try {
    cgroup.check(req.limits);
  } catch (err) {
    throw new OciError((err as Error).message);
  }
  dirs.reserve(id);
  let helper: HelperSession | undefined;
  let pid = 0;
  try {
    await cgroup.create(req.limits, req.devices);
    const entries: Entry[] = [...plan.entries, ['exec_fifo', dirs.fifo(id)]];
    if (o.consoleSocket) entries.push(['console_socket', isAbsolute(o.consoleSocket) ? o.consoleSocket : resolve(o.consoleSocket)]);
    if (o.noPivot) entries.push(['no_pivot', '1']);
    helper = await launcher.start(entries, { stdio: 'inherit', detached: false });
    pid = Number((await expectLine(helper, /^pid (\d+)$/))[1]);
    cgroup.addProcess(pid);
    const state: ContainerState = {
      id,
      pid,
      pidStartTime: processStartTime(pid),
      bundle,
      rootfs: plan.rootfs,
      created: new Date().toISOString(),
      annotations: spec.annotations,
      cgroup: loc,
      cgroupPaths: cgroup.paths,
      cgroupVersion: cgroup.version,
      hooks: { poststart: spec.hooks?.poststart, poststop: spec.hooks?.poststop },
    };
    dirs.save(state);
    const json = stateJson(state, 'creating');
    runHooks(spec.hooks?.prestart, 'prestart', json, 'fail', (m) => log.warn(m));
    runHooks(spec.hooks?.createRuntime, 'createRuntime', json, 'fail', (m) => log.warn(m));
    helper.send(`state ${JSON.stringify(stateJson(state, 'created'))}`);
    helper.send('go');
    await expectLine(helper, /^started$/);
    writePidFile(o.pidFile, pid);
    return { helper, state };
  } catch (err) {
    helper?.kill();
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (helper) await helper.exited;
    await cgroup.destroy().catch(() => undefined);
    dirs.remove(id);
    throw err;
  }
}

/** start: opens the exec FIFO (the process waits in its open for writing), reads its byte, removes it. */
export function start(dirs: StateDir, log: RuntimeLog, id: string): void {
  const state = dirs.load(id);
  // The cgroup (and so the plugins) only when the FIFO is gone: a created container needs neither.
  const status = statusOf(dirs, state, () => cgroupOf(state.cgroup).freezerState() === 'frozen');
  if (status === 'stopped') throw new OciError(`The container "${id}" cannot start: it has stopped.`);
  if (status !== 'created') throw new OciError(`The container "${id}" cannot start: it is ${status}, not created.`);
  const fd = openSync(dirs.fifo(id), constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    for (;;) {
      if (readFifoByte(fd)) break;
      // Checked after a read, then read once more: the process may write its byte, exec and end (a
      // short-lived command) between our read and this check, and the byte is then waiting in the FIFO.
      if (!processAlive(state)) {
        if (readFifoByte(fd)) break;
        throw new OciError(`The container "${id}" ended before it could start.`);
      }
      sleep(1);
    }
  } finally {
    closeSync(fd);
  }
  unlinkSync(dirs.fifo(id));
  runHooks(state.hooks?.poststart, 'poststart', stateJson(state, 'running'), 'warn', (m) => log.warn(m));
}

/** One byte from the non-blocking exec FIFO: true when the process wrote it (it then execs). */
function readFifoByte(fd: number): boolean {
  try {
    return readSync(fd, Buffer.alloc(1), 0, 1, null) === 1;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    return false;
  }
}

/** Waits for the process to end (a zombie counts: its parent reaps it, not us). */
export function waitGone(state: ContainerState, timeoutMs: number): boolean {
  const end = Date.now() + timeoutMs;
  while (processAlive(state)) {
    if (Date.now() > end) return false;
    sleep(10);
  }
  return true;
}

/** delete: a stopped or created container (any with --force): kill what is left, the cgroup, poststop hooks, the state. */
export async function remove(dirs: StateDir, log: RuntimeLog, id: string, force: boolean): Promise<void> {
  dirs.checkId(id);
  if (!existsSync(dirs.dir(id))) {
    if (force) return;
    throw new OciError(`The container "${id}" does not exist.`);
  }
  const state = dirs.load(id);
  if (!state.created) {
    // A create that died half-way: nothing more than the directory can be known.
    dirs.remove(id);
    return;
  }
  const cgroup = cgroupOf(state.cgroup);
  const status = statusOf(dirs, state, () => cgroup.freezerState() === 'frozen');
  if ((status === 'running' || status === 'paused') && !force) throw new OciError(`The container "${id}" is ${status}: stop it first or use delete --force.`);
  if (status !== 'stopped') {
    if (status === 'paused') await cgroup.thaw();
    for (const pid of [state.pid, ...cgroup.processes()]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (!waitGone(state, 10_000)) throw new OciError(`The container "${id}" did not end after SIGKILL.`);
  }
  await cgroup.destroy();
  runHooks(state.hooks?.poststop, 'poststop', stateJson(state, 'stopped'), 'warn', (m) => log.warn(m));
  dirs.remove(id);
}
