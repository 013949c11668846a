import {
  ConflictError,
  ContainerContext,
  emitContainerEvent,
  UsageError,
  type CommandContext,
  type CommandSpec,
  type CommandArgs,
  type SecuritySpec,
} from '@mydocker/core';
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { buildSecurity, CAPABILITIES } from './capabilities';
import { runtimeFlags } from './flags';
import { launchEnv, mergeEnv, resolveUser } from './command-resolution';
import { PLUGIN_NAME, type NamespacesExt } from './ext';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

export interface ExecRequest {
  container: string;
  command: string[];
  env: string[];
  workdir?: string;
  user?: string;
  tty: boolean;
  interactive: boolean;
  /** Docker's `exec --privileged`: every capability for this process; the container's seccomp filter and no_new_privs stay. */
  privileged: boolean;
  /** A descriptor of "ROWS COLS" lines that resize the exec's pty (the Engine API's exec resize). */
  resizeFd?: number;
}

export function toExecRequest(args: CommandArgs): ExecRequest {
  const rest = list(args.rest ?? args._);
  if (rest.length < 2) throw new UsageError('"exec" needs a container and a command: mydocker exec [OPTIONS] CONTAINER COMMAND [ARG...].');
  const env = list(args.env);
  for (const e of env) {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*=/.test(e)) throw new UsageError(`Invalid environment variable "${e}": use KEY=VALUE.`);
  }
  const workdir = args.workdir === undefined ? undefined : String(args.workdir);
  if (workdir !== undefined && !workdir.startsWith('/'))
    throw new UsageError(`The working directory "${workdir}" is invalid: it needs to be an absolute path.`);
  return {
    container: rest[0],
    command: rest.slice(1),
    env,
    workdir,
    user: args.user === undefined ? undefined : resolveUser({ user: String(args.user) }),
    tty: Boolean(args.tty),
    interactive: Boolean(args.interactive),
    privileged: Boolean(args.privileged),
    resizeFd: resizeFdOf(args['resize-fd']),
  };
}

function resizeFdOf(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const fd = Number(v);
  if (!Number.isInteger(fd) || fd < 3) throw new UsageError(`--resize-fd needs a descriptor number of 3 or more, not "${String(v)}".`);
  return fd;
}

/**
 * Relays "ROWS COLS" lines from FD to the helper as "winsize ROWS COLS" (its monitor loop sets the pty's
 * size, or before "go" the size the pty is made with). Returns the stop function.
 */
function relayResize(fd: number, helper: { channel: { send(line: string): void } }): () => void {
  const input = new Socket({ fd, readable: true, writable: false });
  input.on('error', () => undefined);
  const lines = createInterface({ input });
  lines.on('line', (line) => {
    const m = /^(\d{1,5}) (\d{1,5})$/.exec(line.trim());
    if (m) helper.channel.send(`winsize ${m[1]} ${m[2]}`);
  });
  return () => {
    lines.close();
    input.destroy();
  };
}

/**
 * The exec'd process's security: the container's, or with `--privileged` every capability, as Docker's
 * privileged exec (moby gives the process the full capability sets and leaves the container's seccomp
 * profile on it): the helper's `privileged` entry, which drops seccomp, stays the container's.
 */
export function execSecurity(container: SecuritySpec, privileged: boolean): SecuritySpec {
  if (!privileged) return container;
  return { ...container, capabilities: Object.keys(CAPABILITIES) };
}

/** Runs one more process inside a running container; resolves with its exit code. */
export async function execInContainer(req: ExecRequest, { bus, engine }: CommandContext): Promise<number> {
  const runtime = bus.need('runtime', 'The "exec" command');
  const record = await engine.inspect(req.container);
  if (record.status !== 'running' || !runtime.isRunning(record)) {
    throw new ConflictError(`Container ${record.name} is not running: start a new one with "mydocker run".`);
  }
  const ext = record.ext[PLUGIN_NAME] as NamespacesExt | undefined;
  const { execConfig } = await import('./launch-config');
  const { HelperProcess } = await import('./helper-process');
  const entries = execConfig({
    pid: record.pid!,
    command: req.command,
    env: launchEnv(mergeEnv(record.env, req.env), record.hostname, req.tty),
    workdir: req.workdir ?? record.workdir,
    user: req.user ?? record.user,
    tty: req.tty,
    interactive: req.interactive,
    security: execSecurity(ext?.security ?? buildSecurity(runtimeFlags(record.spec)), req.privileged),
  });
  const helper = await HelperProcess.start(entries, false);
  const execID = randomBytes(32).toString('hex');
  let stopResize = () => undefined as void;
  try {
    const pid = await helper.readPid();
    // Only after "pid": the helper has read its whole config (in one read) and now reads line by line.
    // A size sent before "go" is the pty's size before the command runs.
    if (req.resizeFd !== undefined && req.tty) stopResize = relayResize(req.resizeFd, helper);
    await emitContainerEvent(bus, `exec_create: ${req.command.join(' ')}`, record, { execID });
    await bus.hooks.execCreated.promise(new ContainerContext(bus.config, record), pid);
    await helper.go();
    await emitContainerEvent(bus, `exec_start: ${req.command.join(' ')}`, record, { execID });
  } catch (err) {
    stopResize();
    helper.kill();
    await helper.exited;
    throw err;
  }
  const ignore = () => undefined;
  const forward = (signal: NodeJS.Signals) => helper.child.kill(signal);
  process.on('SIGINT', ignore);
  process.on('SIGQUIT', ignore);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  try {
    const code = await helper.waitExitCode();
    await emitContainerEvent(bus, 'exec_die', record, { execID, exitCode: String(code) });
    return code;
  } finally {
    stopResize();
    process.off('SIGINT', ignore);
    process.off('SIGQUIT', ignore);
    process.off('SIGTERM', forward);
    process.off('SIGHUP', forward);
  }
}

export const execCommand: CommandSpec = {
  command: 'exec [OPTIONS] CONTAINER COMMAND [ARG...]',
  describe: 'Run a command in a running container',
  rawArgs: true,
  builder: (y) =>
    y
      .option('interactive', { alias: 'i', type: 'boolean', describe: 'Keep STDIN open' })
      .option('tty', { alias: 't', type: 'boolean', describe: 'Allocate a pseudo-TTY' })
      .option('env', { alias: 'e', type: 'string', describe: 'Set environment variables (KEY=VALUE)' })
      .option('workdir', { alias: 'w', type: 'string', describe: 'Working directory inside the container' })
      .option('user', { alias: 'u', type: 'string', describe: 'Username or UID (format: <name|uid>[:<group|gid>])' })
      .option('privileged', { type: 'boolean', describe: 'Give extended privileges to the command' })
      // For the Engine API service, which runs `mydocker exec` as a child and has no terminal to hand it.
      .option('resize-fd', { type: 'number', hidden: true, describe: 'Read "ROWS COLS" lines from this descriptor to resize the pty' }),
  run: (args, ctx) => execInContainer(toExecRequest(args), ctx),
};
