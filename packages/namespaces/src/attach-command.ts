import {
  encodeFrame,
  FRAME_EXIT,
  FRAME_STDERR,
  FRAME_STDIN,
  FRAME_STDIN_END,
  FRAME_STDOUT,
  FrameDecoder,
  inputEndOf,
  resizeFrame,
  type InputEnd,
} from '@mydocker/core';
import { closeSync, constants, openSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { EXIT_CODE_UNKNOWN, MydockerError, NotFoundError, type CommandContext, type CommandSpec, type ContainerRecord, type Runtime } from '@mydocker/core';
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

type Outcome = { code?: number; detached?: boolean };

/** Whether the container's output still reaches us: not once our input ended on a container that keeps its stdin. */
interface OutputGate {
  open: boolean;
}

/**
 * `attach`: the container's output from now on (and its stdin when it was run with -i), through the
 * monitor's attach socket. Ends with the container's exit code, or 1 after the detach keys (Docker's
 * "read escape sequence"). The end of our input is Docker's: a StdinOnce container without a TTY has its
 * stdin closed; any other stops sending us its output, and we wait for its exit as docker's CLI does.
 */
export async function attachToContainer(req: AttachRequest, ctx: CommandContext): Promise<number> {
  const { bus, engine, stderr } = ctx;
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
  const withStdin = req.stdin && record.spec.interactive;
  if (withStdin && record.spec.tty && !process.stdin.isTTY) throw refuse('the input device is not a TTY');
  const socket = await openAttachSocket(record, runtime, attachSocketPath(bus.need('stateStore').containerDir(record.id)));
  const cleanups: Array<() => void> = [];
  const gate: OutputGate = { open: true };
  const outcome = await new Promise<Outcome>((resolve) => {
    relayOutput(socket, ctx, gate, resolve);
    if (withStdin) {
      const scanner = record.spec.tty ? new DetachKeyScanner(keys) : undefined;
      cleanups.push(relayStdin(socket, scanner, resolve, () => endInput(socket, inputEndOf(record.spec), gate)));
    }
    if (record.spec.tty && process.stdout.isTTY) cleanups.push(relayResize(socket));
    // Docker proxies signals only without a TTY (with one, the keys reach the container through it).
    if (req.sigProxy && !record.spec.tty) cleanups.push(proxySignals(runtime, record));
  });
  for (const c of cleanups.reverse()) c();
  socket.destroy();
  if (outcome.detached) {
    stderr.write('read escape sequence\n');
    return 1;
  }
  return outcome.code ?? (await exitAfterDrop(runtime, record));
}

async function openAttachSocket(record: ContainerRecord, runtime: Runtime, path: string): Promise<Socket> {
  try {
    return await connectSocket(path);
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
}

/** The monitor's frames to our stdout and stderr; resolves with the exit code (if one came) on close. */
function relayOutput(socket: Socket, { stdout, stderr }: CommandContext, gate: OutputGate, resolve: (o: Outcome) => void): void {
  const decoder = new FrameDecoder();
  let exitCode: number | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) {
      if (f.type === FRAME_STDOUT && gate.open) stdout.write(f.payload);
      else if (f.type === FRAME_STDERR && gate.open) stderr.write(f.payload);
      else if (f.type === FRAME_EXIT) exitCode = Number(f.payload.toString());
    }
  });
  socket.on('close', () => resolve({ code: exitCode }));
  socket.on('error', () => undefined);
}

/**
 * Our end of input, as moby's stream.CopyStreams takes it. The monitor is still read after the output
 * stops, for the exit frame: docker's CLI waits for the container's exit too (attach.go getExitStatus).
 */
function endInput(socket: Socket, end: InputEnd, gate: OutputGate): void {
  if (end === 'close-container-stdin') socket.write(encodeFrame(FRAME_STDIN_END, Buffer.alloc(0)));
  else gate.open = false;
}

/** Our stdin to the container (raw with a TTY, where the detach keys are looked for); returns its undo. */
function relayStdin(socket: Socket, scanner: DetachKeyScanner | undefined, resolve: (o: Outcome) => void, onEnd: () => void): () => void {
  const input = process.stdin;
  const raw = scanner !== undefined && input.isTTY;
  if (raw) input.setRawMode(true);
  const onData = (chunk: Buffer) => {
    const { forward, detach } = scanner ? scanner.feed(chunk) : { forward: chunk, detach: false };
    if (forward.length > 0) socket.write(encodeFrame(FRAME_STDIN, forward));
    if (detach) {
      resolve({ detached: true });
      socket.destroy();
    }
  };
  input.on('data', onData);
  input.once('end', onEnd);
  return () => {
    input.off('data', onData);
    input.off('end', onEnd);
    input.pause();
    if (raw) input.setRawMode(false);
  };
}

function relayResize(socket: Socket): () => void {
  const resize = () => socket.write(resizeFrame(process.stdout.rows, process.stdout.columns));
  resize();
  process.stdout.on('resize', resize);
  return () => process.stdout.off('resize', resize);
}

function proxySignals(runtime: Runtime, record: ContainerRecord): () => void {
  const forward = (signal: NodeJS.Signals) => runtime.signal(record, signal);
  for (const s of PROXIED) process.on(s, forward);
  return () => {
    for (const s of PROXIED) process.off(s, forward);
  };
}

/**
 * The socket closed without an exit frame. With the container still running, the monitor dropped us for
 * falling behind its output (it never waits for a client); otherwise it was killed.
 */
async function exitAfterDrop(runtime: Runtime, record: ContainerRecord): Promise<number> {
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
