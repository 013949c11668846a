import { EventJournal, inputEndOf, type ContainerRecord, type EngineEvent, type InputEnd } from '@mydocker/core';
import type { Socket } from 'node:net';
import { ApiError, badRequest } from '../api-error';
import { encodeFrame, FRAME_EXIT, FRAME_STDERR, FRAME_STDIN, FRAME_STDIN_END, FRAME_STDOUT, FrameDecoder, resizeFrame } from '@mydocker/core';
import type { ApiCall } from '../call';
import { runCommand } from '../commands';
import type { ApiContext } from '../context';
import { muxFrame } from '../mux';
import { discard, muxWritable } from '../mux-writable';
import { route, type Route } from '../router';
import { findContainer } from './containers';
import type { ContainerWaitResponse } from 'docker-types/generated/1.42';

const RAW = 'application/vnd.docker.raw-stream';
const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';

/**
 * POST /containers/{id}/attach: the monitor's attach socket, translated to Docker's stream (multiplexed
 * without a TTY). A container that is not running yet (docker run attaches before it starts) is
 * connected by the `created` tap of its next start, so no output is missed.
 */
async function attach(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  if (!call.flag('stream') && !call.flag('logs')) throw badRequest('Bad parameters: you must choose at least one stream');
  const tty = r.tty;
  const o: RelayOptions = {
    tty,
    wantOut: call.flag('stdout'),
    wantErr: call.flag('stderr'),
    wantIn: call.flag('stdin') && r.spec.interactive,
    inputEnd: inputEndOf(r.spec),
  };
  const replay = (out: NodeJS.WritableStream) => (call.flag('logs') ? replayLogs(api, r, out, o) : Promise.resolve());
  if (!call.flag('stream')) {
    // logs=1 alone: what the container wrote so far, then the end (Docker's replay without a stream).
    const conn = call.hijack(tty ? RAW : MULTIPLEXED);
    await replay(conn.output).catch(() => undefined);
    return conn.end();
  }
  const running = r.status === 'running';
  const pending = running ? undefined : api.attach.whenStarted(r);
  const socketPromise = pending ? pending.socket : api.attach.connect(r.id);
  let connection: Socket | undefined;
  let closed = false;
  call.onClose(() => {
    closed = true;
    pending?.cancel();
    connection?.destroy();
  });
  let socket: Promise<Socket> = socketPromise;
  if (running) {
    try {
      socket = Promise.resolve(await socketPromise);
    } catch (err) {
      throw new ApiError(409, `Container ${r.name} cannot be attached to: ${(err as Error).message}`);
    }
  }
  const conn = call.hijack(tty ? RAW : MULTIPLEXED);
  // The monitor's frames wait in the connected socket (no reader yet) while the log is replayed first.
  const afterReplay = replay(conn.output).then(
    () => socket,
    () => socket,
  );
  relay(
    conn,
    afterReplay,
    o,
    (s) => (connection = s),
    () => closed,
  );
}

/** logs=1: the container's log so far (the logs plugin's command), framed as the attach stream is. */
async function replayLogs(api: ApiContext, r: ContainerRecord, out: NodeJS.WritableStream, o: RelayOptions): Promise<void> {
  const stdout = o.wantOut ? muxWritable(out, 1, o.tty) : discard();
  const stderr = o.wantErr ? muxWritable(out, 2, o.tty) : discard();
  await runCommand(api, 'logs', { container: r.id, follow: false, timestamps: false, tail: 'all' }, { stdout, stderr });
}

interface RelayOptions {
  tty: boolean;
  wantOut: boolean;
  wantErr: boolean;
  wantIn: boolean;
  /** What this client's end of input does (moby's stream.CopyStreams), when it sends input. */
  inputEnd: InputEnd;
}

function relay(conn: ReturnType<ApiCall['hijack']>, socketPromise: Promise<Socket>, o: RelayOptions, keep: (s: Socket) => void, isClosed: () => boolean): void {
  // Input that arrives before the monitor's socket is there waits (paused) for it.
  conn.input?.pause();
  socketPromise.then(
    (socket) => {
      keep(socket);
      if (isClosed()) {
        socket.destroy();
        return;
      }
      const reader = new FrameDecoder();
      socket.on('data', (chunk: Buffer) => {
        for (const f of reader.push(chunk)) {
          if (f.type === FRAME_STDOUT && o.wantOut) conn.output.write(o.tty ? f.payload : muxFrame(1, f.payload));
          else if (f.type === FRAME_STDERR && o.wantErr) conn.output.write(o.tty ? f.payload : muxFrame(2, f.payload));
          else if (f.type === FRAME_EXIT) socket.end();
        }
      });
      socket.on('error', () => undefined);
      socket.on('close', () => conn.end());
      if (conn.input && o.wantIn) {
        conn.input.on('data', (chunk: Buffer) => socket.write(encodeFrame(FRAME_STDIN, chunk)));
        conn.input.once('end', () => {
          if (o.inputEnd === 'close-container-stdin') socket.write(encodeFrame(FRAME_STDIN_END, Buffer.alloc(0)));
          // Docker closes this attach's output streams, so the connection ends while the container runs on.
          else socket.destroy();
        });
        conn.input.resume();
      } else conn.input?.resume();
    },
    () => conn.end(),
  );
}

/** The ways a wait ends: its exit code, once the condition holds. */
type Condition = 'not-running' | 'next-exit' | 'removed';

/**
 * POST /containers/{id}/wait: follows the engine's events journal (every process appends to it: the
 * monitor's clean-up writes `die` with the exit code and `destroy`), polling the record as a fallback for
 * a container whose monitor died without a word.
 */
async function wait(call: ApiCall, api: ApiContext): Promise<void> {
  const condition = (call.query.get('condition') || 'not-running') as Condition;
  if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw badRequest(`invalid condition: "${condition}"`);
  const r = await findContainer(api, call.params[0]);
  const journal = new EventJournal(api.config.runRoot);
  let lastCode: number | undefined;
  let died = false;
  let removed = false;
  let sawRunning = r.status === 'running';
  let wake: () => void = () => undefined;
  const stopFollowing = journal.follow((e: EngineEvent) => {
    if (e.Type !== 'container' || e.Actor.ID !== r.id) return;
    if (e.Action === 'die') {
      died = true;
      lastCode = Number(e.Actor.Attributes?.exitCode ?? 0);
    }
    if (e.Action === 'destroy') removed = true;
    if (e.Action === 'start') sawRunning = true;
    wake();
  }, 100);
  const out = call.stream('application/json');
  let gone = false;
  call.onClose(() => {
    gone = true;
    wake();
  });
  const done = async (): Promise<boolean> => {
    if (condition === 'removed') {
      if (removed) return true;
      const now = await api.engine.inspect(r.id).catch(() => undefined);
      if (!now) return true;
      if (now.status === 'stopped' && lastCode === undefined && !now.autoRemove) return false;
      return false;
    }
    if (condition === 'next-exit') {
      if (died) return true;
      const now = await api.engine.inspect(r.id).catch(() => undefined);
      if (!now) return true;
      if (now.status === 'running') sawRunning = true;
      if (sawRunning && now.status === 'stopped') {
        lastCode = now.exitCode;
        return true;
      }
      return false;
    }
    const now = await api.engine.inspect(r.id).catch(() => undefined);
    if (!now) return true;
    if (now.status !== 'running') {
      lastCode ??= now.exitCode;
      return true;
    }
    return died;
  };
  try {
    while (!gone && !(await done())) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    stopFollowing();
  }
  if (gone) return;
  const code = lastCode === undefined || lastCode < 0 ? (lastCode ?? 0) : lastCode;
  const answer: ContainerWaitResponse = { StatusCode: code === -1 ? 255 : code };
  out.end(`${JSON.stringify({ ...answer, Error: null })}\n`);
}

/** GET /containers/{id}/logs: the logs plugin's own command, its two streams multiplexed (raw with a TTY). */
async function logs(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  if (!call.flag('stdout') && !call.flag('stderr')) throw badRequest('Bad parameters: you must choose at least one stream');
  const time = (name: string) => {
    const v = call.query.get(name);
    if (v === null || v === '' || v === '0') return undefined;
    return /^\d+(\.\d+)?$/.test(v) ? new Date(Number(v) * 1000).toISOString() : v;
  };
  const args = {
    container: r.id,
    follow: call.flag('follow'),
    timestamps: call.flag('timestamps'),
    tail: call.query.get('tail') || 'all',
    since: time('since'),
    until: time('until'),
  };
  // Errors before the first byte are Docker's JSON errors; the command checks its arguments first.
  const out = call.stream(r.tty ? RAW : MULTIPLEXED);
  const stdout = call.flag('stdout') ? muxWritable(out, 1, r.tty) : discard();
  const stderr = call.flag('stderr') ? muxWritable(out, 2, r.tty) : discard();
  for (const s of [stdout, stderr]) s.on('error', () => undefined);
  call.onClose(() => {
    // The logs command stops at its next write (a follow, at the container's end).
    for (const s of [stdout, stderr]) s.destroy(new Error('the client went away'));
  });
  try {
    await runCommand(api, 'logs', args, { stdout, stderr });
  } finally {
    out.end();
  }
}

/** POST /containers/{id}/resize: a terminal-size frame through the attach socket. */
async function resize(call: ApiCall, api: ApiContext): Promise<void> {
  const r = await findContainer(api, call.params[0]);
  const h = Number(call.query.get('h'));
  const w = Number(call.query.get('w'));
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 0 || w < 0) throw badRequest('Bad parameters: h and w must be whole numbers.');
  if (r.status !== 'running') throw new ApiError(409, `Container ${r.id} is not running`);
  const socket = await api.attach.connect(r.id);
  socket.end(resizeFrame(h, w));
  socket.on('error', () => undefined);
  call.noContent(200);
}

export const containerIoRoutes: Route[] = [
  route('POST /containers/{id}/attach', attach),
  route('POST /containers/{id}/wait', wait),
  route('GET /containers/{id}/logs', logs),
  route('POST /containers/{id}/resize', resize),
];

export type { ContainerRecord };
