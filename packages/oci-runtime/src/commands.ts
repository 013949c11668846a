import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { cgroupOf, engineServices } from './engine';
import { OciError } from './errors';
import { processEntries, type Entry } from './launch-entries';
import { readSpec, writePidFile } from './lifecycle';
import type { RuntimeLog } from './log';
import { cgroupRequest } from './resources';
import { seccompEntries } from './seccomp';
import type { OciProcess, OciResources } from './spec-types';
import { stateJson, statusOf, type ContainerState, type StateDir, type Status } from './state';

export function statusFor(dirs: StateDir, state: ContainerState): Status {
  return statusOf(dirs, state, () => !!state.created && cgroupOf(state.cgroup).freezerState() === 'frozen');
}

/** "TERM", "SIGTERM", "15" → a signal number. */
export function parseSignal(s: string | undefined): number {
  if (!s) return constants.signals.SIGTERM;
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > 64) throw new OciError(`The signal ${s} is not valid.`);
    return n;
  }
  const name = (s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`) as keyof typeof constants.signals;
  const n = constants.signals[name];
  if (n === undefined) throw new OciError(`The signal "${s}" is not known.`);
  return n;
}

export function kill(dirs: StateDir, id: string, signal: string | undefined, all: boolean): void {
  const state = dirs.load(id);
  const sig = parseSignal(signal);
  // Running or paused is all the same to a signal: no freezer read, so no plugin is loaded.
  const status = statusOf(dirs, state, () => false);
  if (status === 'stopped' || status === 'creating') throw new OciError(`The container "${id}" is not running.`);
  const pids = all ? cgroupOf(state.cgroup).processes() : [state.pid];
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

export interface ExecOptions {
  id: string;
  processFile?: string;
  args: string[];
  detach: boolean;
  pidFile?: string;
  tty: boolean;
  consoleSocket?: string;
  cwd?: string;
  env: string[];
  user?: string;
  caps: string[];
  noNewPrivs?: boolean;
}

/** exec: one more process in the container's namespaces and cgroup; config.json's process is its template, as runc. */
export async function exec(dirs: StateDir, log: RuntimeLog, o: ExecOptions): Promise<number> {
  const state = dirs.load(o.id);
  const status = statusFor(dirs, state);
  if (status !== 'running' && status !== 'created') throw new OciError(`The container "${o.id}" is ${status}: exec needs a running container.`);
  const spec = readSpec(state.bundle);
  let proc: OciProcess;
  if (o.processFile) {
    try {
      proc = JSON.parse(readFileSync(o.processFile, 'utf8')) as OciProcess;
    } catch (err) {
      throw new OciError(`The process file ${o.processFile} cannot be read: ${(err as Error).message}.`);
    }
  } else {
    if (!o.args.length) throw new OciError('exec needs a command (or --process FILE).');
    const base = spec.process!;
    proc = { ...base, args: o.args, terminal: o.tty, env: [...(base.env ?? []), ...o.env], cwd: o.cwd ?? base.cwd };
    if (o.user) {
      const [uid, gid] = o.user.split(':');
      if (!/^\d+$/.test(uid) || (gid !== undefined && !/^\d+$/.test(gid))) throw new OciError(`--user "${o.user}" must be UID[:GID] in numbers.`);
      proc.user = { uid: Number(uid), gid: Number(gid ?? 0) };
    }
    if (o.caps.length) {
      const c = { ...(base.capabilities ?? {}) };
      for (const k of ['bounding', 'effective', 'permitted'] as const) c[k] = [...new Set([...(c[k] ?? []), ...o.caps])];
      proc.capabilities = c;
    }
    if (o.noNewPrivs) proc.noNewPrivileges = true;
  }
  if (proc.terminal && !o.consoleSocket) throw new OciError('exec --tty needs --console-socket.');
  const warnings: string[] = [];
  const entries: Entry[] = [['mode', 'oci-exec'], ['pid', String(state.pid)], ...processEntries(proc, warnings)];
  if (spec.linux?.seccomp) entries.push(...seccompEntries(spec.linux.seccomp));
  if (o.consoleSocket) entries.push(['console_socket', resolve(o.consoleSocket)]);
  for (const w of warnings) log.warn(w);
  const helper = await engineServices().helper.start(entries, { stdio: 'inherit', detached: false });
  const first = await helper.next();
  const fail = (line: string | null) => {
    const err = line && /^error (\d+) (.*)$/s.exec(line);
    return new OciError(
      err ? `exec failed: ${err[2].replace(/\.?$/, '.')}` : `The runtime helper answered "${line}".`,
      err && Number(err[1]) >= 126 ? Number(err[1]) : 1,
    );
  };
  if (!first || !/^pid \d+$/.test(first)) throw fail(first);
  cgroupOf(state.cgroup).addProcess(helper.pid);
  helper.send('go');
  const started = await helper.next();
  const m = started && /^started (\d+)$/.exec(started);
  if (!m) throw fail(started);
  writePidFile(o.pidFile, Number(m[1]));
  if (o.detach) {
    helper.release();
    await helper.exited;
    return 0;
  }
  helper.send('wait');
  const end = await helper.next();
  const code = end && /^exit (\d+)$/.exec(end);
  if (code) return Number(code[1]);
  const { code: c } = await helper.exited;
  return c ?? 255;
}

export function ps(dirs: StateDir, id: string, format: string, psArgs: string[]): string {
  const state = dirs.load(id);
  const pids = cgroupOf(state.cgroup).processes();
  if (format === 'json') return `${JSON.stringify(pids)}\n`;
  if (format !== 'table') throw new OciError(`The format "${format}" is not known (table or json).`);
  const r = spawnSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' });
  if (r.status !== 0) throw new OciError(`ps failed: ${r.stderr.trim()}`);
  const [header, ...lines] = r.stdout.trimEnd().split('\n');
  const col = header.trim().split(/\s+/).indexOf('PID');
  if (col === -1) throw new OciError('The ps output has no PID column.');
  return `${[header, ...lines.filter((l) => pids.includes(Number(l.trim().split(/\s+/)[col])))].join('\n')}\n`;
}

export function list(dirs: StateDir, format: string, quiet: boolean): string {
  const states = dirs
    .ids()
    .map((id) => {
      try {
        const s = dirs.load(id);
        return stateJson(s, statusFor(dirs, s));
      } catch {
        return undefined;
      }
    })
    .filter((s): s is Record<string, unknown> => !!s);
  if (quiet) return states.map((s) => `${s.id}\n`).join('');
  if (format === 'json') return `${JSON.stringify(states)}\n`;
  if (format !== 'table') throw new OciError(`The format "${format}" is not known (table or json).`);
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...states.map((s) => [s.id, s.pid, s.status, s.bundle, s.created, 'root'].map(String))];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('')).join('\n') + '\n';
}

export async function pause(dirs: StateDir, id: string, resume: boolean): Promise<void> {
  const state = dirs.load(id);
  const status = statusFor(dirs, state);
  const cgroup = cgroupOf(state.cgroup);
  if (resume) {
    if (status !== 'paused') throw new OciError(`The container "${id}" is ${status}, not paused.`);
    await cgroup.thaw();
  } else {
    if (status !== 'running') throw new OciError(`The container "${id}" is ${status}, not running.`);
    await cgroup.freeze();
  }
}

export function update(dirs: StateDir, log: RuntimeLog, id: string, resourcesFile: string | undefined, flags: { pidsLimit?: string; memory?: string }): void {
  const state = dirs.load(id);
  const status = statusFor(dirs, state);
  if (status === 'stopped') throw new OciError(`The container "${id}" has stopped: nothing to update.`);
  let res: OciResources = {};
  if (resourcesFile) {
    try {
      res = JSON.parse(readFileSync(resourcesFile === '-' ? 0 : resourcesFile, 'utf8')) as OciResources;
    } catch (err) {
      throw new OciError(`The resources ${resourcesFile === '-' ? 'on stdin' : resourcesFile} are not valid JSON: ${(err as Error).message}.`);
    }
  }
  if (flags.pidsLimit !== undefined) res.pids = { limit: Number(flags.pidsLimit) };
  if (flags.memory !== undefined) res.memory = { ...(res.memory ?? {}), limit: Number(flags.memory) };
  const req = cgroupRequest({ ...res, devices: undefined });
  for (const w of req.warnings) log.warn(w);
  if (res.devices?.length) log.warn('linux.resources.devices cannot be updated and are left as they were.');
  try {
    cgroupOf(state.cgroup).update(req.limits);
  } catch (err) {
    throw new OciError((err as Error).message);
  }
}
