import { constants } from 'node:os';
import { MydockerError } from './errors';

/** A run cancelled by a signal before its container started: Docker's 128 + signal number (130, 143). */
export class CancelledError extends MydockerError {
  constructor(readonly signal: NodeJS.Signals) {
    super(`The run was cancelled by ${signal} before the container started; what it had made was removed.`, 128 + (constants.signals[signal] ?? 0));
  }
}

/** What `Engine.run` asks of whoever owns the process's signals. */
export interface RunCancellation {
  /** Throws a CancelledError if a signal arrived: called at each step before the container starts. */
  throwIfCancelled(): void;
  /** The container runs: from now on signals go to `forward` (undefined: ignore them, e.g. a detached run). */
  started(forward?: (signal: NodeJS.Signals) => void): void;
}

/**
 * The signals a foreground `run` must not die of. Installed before anything is made, so that no signal
 * finds the default action (death) with a container half-made or running: before the container starts,
 * the first signal cancels the run (the engine rolls back); after, SIGTERM/SIGHUP/SIGUSR1/SIGUSR2 are
 * forwarded to the container as Docker's CLI does. SIGINT and SIGQUIT are not forwarded after the start:
 * the monitor is in our process group, so a terminal's Ctrl-C reaches it too and it forwards it.
 */
export class ProcessRunSignals implements RunCancellation {
  static readonly CANCELLING: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  static readonly FORWARDED: ReadonlySet<NodeJS.Signals> = new Set(['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2']);

  private pending?: NodeJS.Signals;
  private running = false;
  private forward?: (signal: NodeJS.Signals) => void;
  private readonly handler = (signal: NodeJS.Signals) => this.receive(signal);

  constructor(private readonly target: Pick<NodeJS.Process, 'on' | 'off'> = process) {
    for (const s of ProcessRunSignals.CANCELLING) target.on(s, this.handler);
  }

  throwIfCancelled(): void {
    if (this.pending) throw new CancelledError(this.pending);
  }

  started(forward?: (signal: NodeJS.Signals) => void): void {
    this.running = true;
    this.forward = forward;
    // A signal that came while the container was being let go belongs to the container now.
    const late = this.pending;
    this.pending = undefined;
    if (late) this.receive(late);
  }

  dispose(): void {
    for (const s of ProcessRunSignals.CANCELLING) this.target.off(s, this.handler);
  }

  private receive(signal: NodeJS.Signals): void {
    if (!this.running) {
      this.pending ??= signal;
      return;
    }
    if (this.forward && ProcessRunSignals.FORWARDED.has(signal)) this.forward(signal);
  }
}
