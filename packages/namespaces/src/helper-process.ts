import type { ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { CannotExecuteError, CommandNotFoundError, MydockerError, processStartTime, type ProcessSpawner } from '@mydocker/core';
import { ControlChannel, parseErrorLine } from './control-channel';
import { helperPath } from './helper-path';
import { serializeConfig, type ConfigEntry } from './launch-config';

/** The 126/127/125 error the helper reported, as the MydockerError the CLI prints. */
export function helperError(code: number, message: string): MydockerError {
  const sentence = /[.!?]$/.test(message) ? message : `${message}.`;
  if (code === 127) return new CommandNotFoundError(sentence);
  if (code === 126) return new CannotExecuteError(sentence);
  return new MydockerError(`The container could not start: ${sentence}`, 125);
}

/**
 * One running mydocker-init: the child process, its control channel, and a promise of how it ended.
 */
export class HelperProcess {
  readonly channel: ControlChannel;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly startTime?: number;
  /** The monitor said "detached" (run -it and the detach keys): the container runs on without us. */
  detached = false;

  private constructor(readonly child: ChildProcess) {
    this.channel = new ControlChannel(child.stdio[3] as Duplex);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.startTime = child.pid ? processStartTime(child.pid) : undefined;
  }

  /**
   * Starts the helper and sends the launch config; `detached` gives it its own session and no CLI stdio.
   * `heldFds` become the helper's fds 4, 5, ...: the monitor holds them until it exits.
   */
  static async start(
    entries: ConfigEntry[],
    detached: boolean,
    heldFds: readonly number[] = [],
    options: { captureOutput?: boolean; io?: 'inherit' | 'ignore' } = {},
    // child_process on the first spawn: `ps`, `stop` and `rm` load this module and spawn nothing (~9 ms).
    spawner: ProcessSpawner = require('node:child_process') as typeof import('node:child_process'),
  ): Promise<HelperProcess> {
    const payload = serializeConfig(entries);
    const own = options.io ?? (detached ? 'ignore' : 'inherit');
    const stdio: Array<'ignore' | 'inherit' | 'pipe' | number> = [own, own, own, 'pipe'];
    // A health check reads what the process wrote (stdout and stderr) instead of passing it on.
    if (options.captureOutput) stdio.splice(0, 3, 'ignore', 'pipe', 'pipe');
    // The mode on the command line too: the helper decides before reading the config whether it must run
    // from a sealed copy (every mode but "run", whose monitor stays outside the container; native/stage.c).
    const mode = entries.find(([key]) => key === 'mode')?.[1] ?? '';
    const child = spawner.spawn(helperPath(), [mode], { stdio: [...stdio, ...heldFds], detached });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new MydockerError(`Cannot start the runtime helper ${helperPath()}: ${err.message}.`)));
    });
    const helper = new HelperProcess(child);
    helper.channel.socket.write(payload);
    return helper;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits for "pid N"; any other answer becomes the error the helper gave. */
  async readPid(): Promise<number> {
    const line = await this.expect();
    const m = /^pid (\d+)$/.exec(line);
    if (!m) throw new MydockerError(`The runtime helper answered "${line}" instead of a process id.`);
    return Number(m[1]);
  }

  /** Sends "go" and waits for "started". */
  async go(): Promise<void> {
    this.channel.send('go');
    const line = await this.expect();
    if (line !== 'started') throw new MydockerError(`The runtime helper answered "${line}" instead of "started".`);
  }

  /** The exit code from "exit N", or from the helper's own end if the socket closed without one. */
  async waitExitCode(): Promise<number> {
    for (;;) {
      const line = await this.channel.next();
      if (line === null) break;
      const m = /^exit (\d+)$/.exec(line);
      if (m) return Number(m[1]);
      // run -it and the detach keys: the CLI goes with 0 (as Docker's run), the container runs on.
      if (line === 'detached') {
        this.detached = true;
        return 0;
      }
    }
    const { code, signal } = await this.exited;
    if (code !== null) return code;
    return 128 + (signal ? osSignalNumber(signal) : 0);
  }

  /** Forget the helper: the CLI may exit while it keeps running as the container's monitor. */
  release(): void {
    this.channel.close();
    this.child.unref();
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid && processStartTime(this.child.pid) === this.startTime) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  private async expect(): Promise<string> {
    const line = await this.channel.next();
    if (line === null) {
      const { code, signal } = await this.exited;
      throw new MydockerError(`The runtime helper ended early (${signal ? `signal ${signal}` : `exit code ${code}`}) without saying why.`);
    }
    const err = parseErrorLine(line);
    if (err) throw helperError(err.code, err.message);
    return line;
  }
}

function osSignalNumber(signal: NodeJS.Signals): number {
  return (require('node:os').constants.signals as Record<string, number>)[signal] ?? 0;
}
