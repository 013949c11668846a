import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type FlagSpec } from './args';
import { exec, kill, list, pause, ps, statusFor, update, type ExecOptions } from './commands';
import { defaultSpec, features, SPEC_VERSION } from './defaults';
import { OciError } from './errors';
import { create, remove, start } from './lifecycle';
import { RuntimeLog } from './log';
import { stateJson, StateDir } from './state';

const GLOBAL: FlagSpec[] = [
  { names: ['root'], value: true },
  { names: ['log'], value: true },
  { names: ['log-format'], value: true },
  { names: ['debug'], value: false },
  { names: ['systemd-cgroup'], value: false },
  { names: ['criu'], value: true },
  { names: ['rootless'], value: true },
  { names: ['version', 'v'], value: false },
  { names: ['help', 'h'], value: false },
];

const COMMAND_FLAGS: Record<string, FlagSpec[]> = {
  create: [
    { names: ['bundle', 'b'], value: true },
    { names: ['pid-file'], value: true },
    { names: ['console-socket'], value: true },
    { names: ['no-pivot'], value: false },
    { names: ['no-new-keyring'], value: false },
    { names: ['preserve-fds'], value: true },
  ],
  run: [
    { names: ['bundle', 'b'], value: true },
    { names: ['pid-file'], value: true },
    { names: ['console-socket'], value: true },
    { names: ['no-pivot'], value: false },
    { names: ['no-new-keyring'], value: false },
    { names: ['detach', 'd'], value: false },
    { names: ['preserve-fds'], value: true },
    { names: ['keep'], value: false },
  ],
  start: [],
  state: [],
  kill: [{ names: ['all', 'a'], value: false }],
  delete: [{ names: ['force', 'f'], value: false }],
  exec: [
    { names: ['process', 'p'], value: true },
    { names: ['detach', 'd'], value: false },
    { names: ['pid-file'], value: true },
    { names: ['tty', 't'], value: false },
    { names: ['console-socket'], value: true },
    { names: ['cwd'], value: true },
    { names: ['env', 'e'], value: true, multiple: true },
    { names: ['user', 'u'], value: true },
    { names: ['cap', 'c'], value: true, multiple: true },
    { names: ['no-new-privs'], value: false },
    { names: ['preserve-fds'], value: true },
    { names: ['process-label'], value: true },
    { names: ['apparmor'], value: true },
  ],
  ps: [{ names: ['format', 'f'], value: true }],
  list: [
    { names: ['format', 'f'], value: true },
    { names: ['quiet', 'q'], value: false },
  ],
  pause: [],
  resume: [],
  update: [
    { names: ['resources', 'r'], value: true },
    { names: ['pids-limit'], value: true },
    { names: ['memory'], value: true },
  ],
  features: [],
  spec: [
    { names: ['bundle', 'b'], value: true },
    { names: ['rootless'], value: false },
  ],
};

const USAGE = `Usage: mydocker-oci [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [FLAGS] ID
Commands: create, start, run, state, kill, delete, exec, ps, list, pause, resume, update, features, spec
(runc's command line; see the README of @mydocker/oci-runtime).
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return `mydocker-oci version ${pkg.version}\nspec: ${SPEC_VERSION}\n`;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** What every command gets: the state root, the log, the command's flags and operands. */
interface Call {
  dirs: StateDir;
  log: RuntimeLog;
  f: Record<string, unknown>;
  rest: string[];
  id: () => string;
  out: (s: string) => void;
}

const createOptions = (c: Call) => ({
  id: c.id(),
  bundle: str(c.f.bundle) ?? '.',
  pidFile: str(c.f['pid-file']),
  consoleSocket: str(c.f['console-socket']),
  noPivot: !!c.f['no-pivot'],
});

/** run: create + start; in the foreground the container's end is ours (signals we get go to it), then delete. */
async function run(c: Call): Promise<number> {
  const { helper, state } = await create(c.dirs, c.log, createOptions(c));
  try {
    start(c.dirs, c.log, state.id);
  } catch (err) {
    helper.release();
    await remove(c.dirs, c.log, state.id, true);
    throw err;
  }
  if (c.f.detach) {
    helper.release();
    await helper.exited;
    return 0;
  }
  const forward = (sig: NodeJS.Signals) => () => {
    try {
      process.kill(state.pid, sig);
    } catch {
      /* already gone */
    }
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, forward(sig));
  helper.send('wait');
  const line = await helper.next();
  const m = line && /^exit (\d+)$/.exec(line);
  const code = m ? Number(m[1]) : ((await helper.exited).code ?? 255);
  if (!c.f.keep) await remove(c.dirs, c.log, state.id, true);
  return code;
}

function execOptions(c: Call): ExecOptions {
  const f = c.f;
  return {
    id: c.id(),
    processFile: str(f.process),
    args: c.rest.slice(1),
    detach: !!f.detach,
    pidFile: str(f['pid-file']),
    tty: !!f.tty,
    consoleSocket: str(f['console-socket']),
    cwd: str(f.cwd),
    env: (f.env as string[] | undefined) ?? [],
    user: str(f.user),
    caps: (f.cap as string[] | undefined) ?? [],
    noNewPrivs: !!f['no-new-privs'],
  };
}

function spec(c: Call): number {
  if (c.f.rootless) throw new OciError('spec --rootless is not supported: mydocker-oci runs as root.');
  const file = join(str(c.f.bundle) ?? '.', 'config.json');
  if (existsSync(file)) throw new OciError(`${file} already exists: remove it first.`);
  writeFileSync(file, `${JSON.stringify(defaultSpec(), null, 2)}\n`);
  return 0;
}

/** Each command of runc's command line: its exit code. */
const COMMANDS: Record<string, (c: Call) => number | Promise<number>> = {
  create: async (c) => {
    const { helper } = await create(c.dirs, c.log, createOptions(c));
    helper.release();
    await helper.exited;
    return 0;
  },
  run,
  start: (c) => {
    start(c.dirs, c.log, c.id());
    return 0;
  },
  state: (c) => {
    const s = c.dirs.load(c.id());
    c.out(`${JSON.stringify(stateJson(s, statusFor(c.dirs, s)), null, 2)}\n`);
    return 0;
  },
  kill: (c) => {
    kill(c.dirs, c.id(), c.rest[1], !!c.f.all);
    return 0;
  },
  delete: async (c) => {
    await remove(c.dirs, c.log, c.id(), !!c.f.force);
    return 0;
  },
  exec: (c) => exec(c.dirs, c.log, execOptions(c)),
  ps: (c) => {
    c.out(ps(c.dirs, c.id(), str(c.f.format) ?? 'table', c.rest.slice(1)));
    return 0;
  },
  list: (c) => {
    c.out(list(c.dirs, str(c.f.format) ?? 'table', !!c.f.quiet));
    return 0;
  },
  pause: async (c) => {
    await pause(c.dirs, c.id(), false);
    return 0;
  },
  resume: async (c) => {
    await pause(c.dirs, c.id(), true);
    return 0;
  },
  update: (c) => {
    update(c.dirs, c.log, c.id(), str(c.f.resources), { pidsLimit: str(c.f['pids-limit']), memory: str(c.f.memory) });
    return 0;
  },
  features: (c) => {
    c.out(`${JSON.stringify(features(), null, 2)}\n`);
    return 0;
  },
  spec,
};

/** The global flags: the log set up, refusals of what mydocker-oci does not do; undefined when there is a command to run. */
function globals(argv: string[]): { log: RuntimeLog; root: string; command?: string; rest: string[]; exit?: number } {
  const g = parseArgs(argv, GLOBAL);
  const format = str(g.flags['log-format']) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new OciError(`--log-format must be text or json, not "${format}".`);
  const log = new RuntimeLog(str(g.flags.log), format, !!g.flags.debug);
  const [command, ...rest] = g.rest;
  const root = str(g.flags.root) ?? '/run/mydocker-oci';
  if (g.flags.version) {
    process.stdout.write(version());
    return { log, root, rest, exit: 0 };
  }
  if (g.flags.help || !command) {
    process.stdout.write(USAGE);
    return { log, root, rest, exit: command || g.flags.help ? 0 : 1 };
  }
  if (g.flags['systemd-cgroup'])
    throw new OciError('--systemd-cgroup is not supported: mydocker-oci manages cgroupfs paths itself (use cgroupfs as the cgroup manager).');
  if (g.flags.rootless === 'true') throw new OciError('--rootless is not supported: mydocker-oci runs as root.');
  return { log, root, command, rest };
}

export async function main(argv: string[]): Promise<number> {
  let log = new RuntimeLog(undefined, 'text', false);
  try {
    const g = globals(argv);
    log = g.log;
    if (g.exit !== undefined || !g.command) return g.exit ?? 1;
    const specs = COMMAND_FLAGS[g.command];
    if (!specs) throw new OciError(`The command "${g.command}" is not known (see mydocker-oci --help).`);
    const c = parseArgs(g.rest, specs, g.command === 'exec' || g.command === 'kill');
    const dirs = new StateDir(g.root);
    log.debug(`${g.command} ${c.rest.join(' ')}`);
    return await COMMANDS[g.command]({ dirs, log, f: c.flags, rest: c.rest, id: () => dirs.checkId(c.rest[0]), out: (s) => process.stdout.write(s) });
  } catch (err) {
    if (err instanceof OciError) {
      log.error(err.message);
      return err.exitCode;
    }
    const e = err as Error & { exitCode?: number };
    log.error(e.message.replace(/\.?$/, '.'));
    return 1;
  }
}
