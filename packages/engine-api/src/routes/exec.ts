import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { ApiError, badRequest, notFound } from '../api-error';
import { readJson } from '../body';
import type { ApiCall } from '../call';
import type { ApiContext } from '../context';
import type { ExecConfig, ExecInstance } from '../exec-store';
import { muxFrame } from '../mux';
import { route, type Route } from '../router';
import { findContainer } from './containers';

const strings = (v: unknown, name: string): string[] => {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`${name} in the request body must be an array of strings.`);
  return v as string[];
};
const flag = (v: unknown, name: string): boolean => {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw badRequest(`${name} in the request body must be true or false.`);
  return v;
};
const text = (v: unknown, name: string): string => {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw badRequest(`${name} in the request body must be a string.`);
  return v;
};

const consoleSize = (v: unknown): [number, number] | undefined => {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length !== 2 || v.some((n) => !Number.isInteger(n) || n < 0 || n > 65535))
    throw badRequest('ConsoleSize in the request body must be [height, width], two whole numbers.');
  return [v[0], v[1]];
};

async function create(call: ApiCall, api: ApiContext): Promise<void> {
  const body = await readJson(call.req);
  const r = await findContainer(api, call.params[0]);
  const config: ExecConfig = {
    AttachStdin: flag(body.AttachStdin, 'AttachStdin'),
    AttachStdout: flag(body.AttachStdout, 'AttachStdout'),
    AttachStderr: flag(body.AttachStderr, 'AttachStderr'),
    Tty: flag(body.Tty, 'Tty'),
    Cmd: strings(body.Cmd, 'Cmd'),
    Env: strings(body.Env, 'Env'),
    WorkingDir: text(body.WorkingDir, 'WorkingDir'),
    User: text(body.User, 'User'),
    Privileged: flag(body.Privileged, 'Privileged'),
    ConsoleSize: consoleSize(body.ConsoleSize),
  };
  if (config.Cmd.length === 0) throw badRequest('No exec command specified');
  if (r.status !== 'running') throw new ApiError(409, `Container ${r.id} is not running`);
  const exec = api.execs.add(r.id, config);
  call.json(201, { Id: exec.ID });
}

/**
 * The process runs through the namespaces plugin's own `exec` command, in a child `mydocker exec` (the
 * command joins the container with the native helper, whose stdio must be this exec's pipes, not the
 * service's): one implementation of exec, the CLI's, with the service relaying its streams.
 */
function launch(api: ApiContext, exec: ExecInstance, detached: boolean) {
  const c = exec.config;
  const args = [
    'exec',
    ...(c.AttachStdin && !detached ? ['-i'] : []),
    ...(c.Tty ? ['-t'] : []),
    ...(c.Privileged ? ['--privileged'] : []),
    ...c.Env.flatMap((e) => ['-e', e]),
    ...(c.WorkingDir ? ['-w', c.WorkingDir] : []),
    ...(c.User ? ['-u', c.User] : []),
    // A Tty exec's pty is the helper's, in the child: sizes go to it as lines on the child's fd 3.
    ...(c.Tty ? ['--resize-fd', '3'] : []),
    exec.ContainerID,
    ...c.Cmd,
  ];
  const [file, ...pre] = api.config.selfCommand;
  const child = spawn(file, [...pre, ...args], { stdio: ['pipe', 'pipe', 'pipe', c.Tty ? 'pipe' : 'ignore'], detached }) as ChildProcessByStdio<
    Writable,
    Readable,
    Readable
  >;
  const sizes = child.stdio[3] as Writable | null;
  if (sizes) {
    sizes.on('error', () => undefined);
    exec.resize = (h, w) => void (sizes.writable && sizes.write(`${h} ${w}\n`));
    if (c.ConsoleSize) exec.resize(...c.ConsoleSize);
  }
  exec.Running = true;
  exec.started = true;
  exec.markStarted();
  exec.Pid = child.pid ?? 0;
  exec.done = new Promise<void>((resolve) => {
    child.on('close', (code, signal) => {
      sizes?.destroy();
      api.execs.ended(exec, code ?? 128 + (signal ? 9 : 0));
      resolve();
    });
    child.on('error', () => {
      sizes?.destroy();
      api.execs.ended(exec, 126);
      resolve();
    });
  });
  return child;
}

async function start(call: ApiCall, api: ApiContext): Promise<void> {
  const exec = api.execs.get(call.params[0]);
  if (!exec) throw notFound(`No such exec instance: ${call.params[0]}`);
  const body = await readJson(call.req);
  const detach = flag(body.Detach, 'Detach');
  if (exec.started) throw new ApiError(409, `Exec ${exec.ID} has already been started`);
  const r = await findContainer(api, exec.ContainerID);
  if (r.status !== 'running') throw new ApiError(409, `Container ${r.id} is not running`);
  if (detach) {
    const child = launch(api, exec, true);
    child.stdin.end();
    child.stdout.resume();
    child.stderr.resume();
    child.unref();
    return call.send(200, '');
  }
  const tty = exec.config.Tty;
  const conn = call.hijack(tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream');
  const child = launch(api, exec, false);
  child.stdout.on('data', (d: Buffer) => exec.config.AttachStdout && conn.output.write(tty ? d : muxFrame(1, d)));
  child.stderr.on('data', (d: Buffer) => exec.config.AttachStderr && conn.output.write(tty ? d : muxFrame(2, d)));
  if (conn.input && exec.config.AttachStdin) {
    conn.input.pipe(child.stdin);
    // The client's half-close (docker exec -i with its stdin at EOF) closes the process's stdin.
    conn.input.on('end', () => child.stdin.end());
  } else child.stdin.end();
  child.stdin.on('error', () => undefined);
  let done = false;
  call.onClose(() => {
    if (!done) child.kill('SIGKILL');
  });
  await exec.done;
  done = true;
  conn.end();
}

/**
 * POST /exec/{id}/resize, as Docker's daemon answers it: 404 an unknown exec, 409 when its container is not
 * running, a wait of up to 10 s for the exec's start, then the size to its pty; an exec without a Tty has
 * none and the call succeeds doing nothing (containerd's exec resize without a console); 409 once it ended.
 */
async function resize(call: ApiCall, api: ApiContext): Promise<void> {
  const exec = api.execs.get(call.params[0]);
  if (!exec) throw notFound(`No such exec instance: ${call.params[0]}`);
  const h = Number(call.query.get('h'));
  const w = Number(call.query.get('w'));
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 0 || w < 0 || h > 65535 || w > 65535)
    throw badRequest('Bad parameters: h and w must be whole numbers.');
  const r = await findContainer(api, exec.ContainerID);
  if (r.status !== 'running') throw new ApiError(409, `Container ${r.id} is not running`);
  let timer: NodeJS.Timeout | undefined;
  const started = await Promise.race([
    exec.whenStarted.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 10_000))),
  ]);
  clearTimeout(timer);
  if (!started) throw new ApiError(500, 'timeout waiting for exec session ready');
  if (!exec.Running) throw new ApiError(409, `Exec ${exec.ID} is not running: cannot resize a stopped process`);
  exec.resize?.(h, w);
  call.noContent(200);
}

async function inspect(call: ApiCall, api: ApiContext): Promise<void> {
  const exec = api.execs.get(call.params[0]);
  if (!exec) throw notFound(`No such exec instance: ${call.params[0]}`);
  const c = exec.config;
  call.json(200, {
    ID: exec.ID,
    Running: exec.Running,
    ExitCode: exec.ExitCode,
    ProcessConfig: { privileged: c.Privileged, user: c.User, tty: c.Tty, entrypoint: c.Cmd[0], arguments: c.Cmd.slice(1) },
    OpenStdin: c.AttachStdin,
    OpenStderr: c.AttachStderr,
    OpenStdout: c.AttachStdout,
    CanRemove: false,
    ContainerID: exec.ContainerID,
    DetachKeys: '',
    Pid: exec.Pid,
  });
}

export const execRoutes: Route[] = [
  route('POST /containers/{id}/exec', create),
  route('POST /exec/{id}/start', start),
  route('POST /exec/{id}/resize', resize),
  route('GET /exec/{id}/json', inspect),
];
