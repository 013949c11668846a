import { encodeFrame, FRAME_EXIT, FRAME_STDERR, FRAME_STDIN, FRAME_STDOUT, FrameDecoder, resizeFrame } from '@mydocker/core';
import { closeSync, constants, openSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { EXIT_CODE_UNKNOWN, MydockerError, NotFoundError, type CommandContext, type CommandSpec, type ContainerRecord } from '@mydocker/core';
import { DetachKeyScanner, parseDetachKeys } from './attach-options';

/** The monitor's attach socket, beside the exit file in the container's directory. */
export const attachSocketPath = (containerDir: string): string => join(containerDir, 'attach');

/** Docker's `attach` errors exit 1 (the daemon refused), not 125. */
const refuse = (message: string) => new MydockerError(message, 1);
const STOPPED = 'You cannot attach to a stopped container, start it first';
/** What Docker's CLI proxies with --sig-proxy (all but SIGCHLD, SIGPIPE, SIGURG; these are the ones that matter). */
const PROXIED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export interface AttachRequest {
  container: string;
  stdin: boolean;
  sigProxy: boolean;
  detachKeys?: string;
}

/**
 * Connects through /proc/self/fd/N/NAME: a container directory under a long root would not fit in
 * sun_path's 108 bytes.
 */
function connectSocket(path: string): Promise<Socket> {
  const dirFd = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect(`/proc/self/fd/${dirFd}/${basename(path)}`);
    const done = () => closeSync(dirFd);
    socket.once('connect', () => {
      done();
      resolve(socket);
    });
    socket.once('error', (err) => {
      done();
      reject(err);
    });
  });
}

/**
 * `attach`: the container's output from now on (and its stdin when it was run with -i), through the
 * monitor's attach socket. Ends with the container's exit code, or 1 after the detach keys (Docker's
 * "read escape sequence").
 */
export async function attachToContainer(req: AttachRequest, { bus, engine, stdout, stderr }: CommandContext): Promise<number> {
  const runtime = bus.need('runtime', 'The "attach" command');
  let record: ContainerRecord;
  try {
    record = await engine.inspect(req.container);
  } catch (err) {
    if (err instanceof NotFoundError) throw refuse(err.message);
    throw err;
  }
  const keys = parseDetachKeysFor(req.detachKeys);
  if (record.status !== 'running' || !runtime.isRunning(record)) throw refuse(STOPPED);
  const tty = record.spec.tty;
  const withStdin = req.stdin && record.spec.interactive;
  if (withStdin && tty && !process.stdin.isTTY) throw refuse('the input device is not a TTY');
  const path = attachSocketPath(bus.need('stateStore').containerDir(record.id));
  let socket: Socket;
  try {
    socket = await connectSocket(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') {
      // The monitor removes its socket as the container ends: between our check and now, it stopped.
      if (!runtime.isRunning(record)) throw refuse(STOPPED);
      throw refuse(
        `Container ${record.name} has no attach socket: its monitor is gone or predates attach; its output is in "mydocker logs -f ${record.name}".`,
      );
    }
    throw err;
  }

  const cleanups: Array<() => void> = [];
  const outcome = await new Promise<{ code?: number; detached?: boolean }>((resolve) => {
    const decoder = new FrameDecoder();
    let exitCode: number | undefined;
    socket.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.type === FRAME_STDOUT) stdout.write(f.payload);
        else if (f.type === FRAME_STDERR) stderr.write(f.payload);
        else if (f.type === FRAME_EXIT) exitCode = Number(f.payload.toString());
      }
    });
    socket.on('close', () => resolve({ code: exitCode }));
    socket.on('error', () => undefined);

    if (withStdin) {
      const input = process.stdin;
      const scanner = tty ? new DetachKeyScanner(keys) : undefined;
      if (tty && input.isTTY) {
        input.setRawMode(true);
        cleanups.push(() => input.setRawMode(false));
      }
      const onData = (chunk: Buffer) => {
        const { forward, detach } = scanner ? scanner.feed(chunk) : { forward: chunk, detach: false };
        if (forward.length > 0) socket.write(encodeFrame(FRAME_STDIN, forward));
        if (detach) {
          resolve({ detached: true });
          socket.destroy();
        }
      };
      input.on('data', onData);
      cleanups.push(() => {
        input.off('data', onData);
        input.pause();
      });
    }
    if (tty && process.stdout.isTTY) {
      const resize = () => socket.write(resizeFrame(process.stdout.rows, process.stdout.columns));
      resize();
      process.stdout.on('resize', resize);
      cleanups.push(() => process.stdout.off('resize', resize));
    }
    // Docker proxies signals only without a TTY (with one, the keys reach the container through it).
    if (req.sigProxy && !tty) {
      const forward = (signal: NodeJS.Signals) => runtime.signal(record, signal);
      for (const s of PROXIED) process.on(s, forward);
      cleanups.push(() => {
        for (const s of PROXIED) process.off(s, forward);
      });
    }
  });
  for (const c of cleanups.reverse()) c();
  socket.destroy();
  if (outcome.detached) {
    stderr.write('read escape sequence\n');
    return 1;
  }
  if (outcome.code !== undefined) return outcome.code;
  // The socket closed without an exit frame. With the container still running, the monitor dropped us
  // for falling behind its output (it never waits for a client); otherwise it was killed.
  if (runtime.isRunning(record))
    throw refuse(`The attach connection to ${record.name} was dropped because this client fell behind the container's output; attach again.`);
  // The exit file may still know how it ended.
  await runtime.waitMonitor(record, 5000);
  const status = runtime.exitStatus(record);
  if (status && status.code !== EXIT_CODE_UNKNOWN) return status.code;
  throw new MydockerError(`The monitor of container ${record.name} went away, so how the container ended is unknown.`);
}

function parseDetachKeysFor(keys: string | undefined): Buffer {
  try {
    return parseDetachKeys(keys);
  } catch (err) {
    throw refuse((err as Error).message);
  }
}

export const attachCommand: CommandSpec = {
  command: 'attach <container>',
  describe: 'Attach local standard input, output, and error streams to a running container',
  builder: (y) =>
    y
      .positional('container', { type: 'string', describe: 'The container (name or id)' })
      .option('stdin', { type: 'boolean', default: true, describe: 'Attach STDIN (--no-stdin: do not)' })
      .option('sig-proxy', { type: 'boolean', default: true, describe: 'Proxy all received signals to the process (non-TTY mode only)' })
      .option('detach-keys', { type: 'string', describe: 'Override the key sequence for detaching a container (default ctrl-p,ctrl-q)' }),
  run: (args, ctx) =>
    attachToContainer(
      {
        container: String(args.container),
        stdin: args.stdin !== false,
        sigProxy: args['sig-proxy'] !== false,
        detachKeys: args['detach-keys'] === undefined ? undefined : String(args['detach-keys']),
      },
      ctx,
    ),
};
