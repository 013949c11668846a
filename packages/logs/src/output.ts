import type { LogLine } from './decoder';
import { formatTimestamp } from './time-spec';

/** Thrown into the reader when nobody reads the output any more. */
export class OutputClosed extends Error {}

/**
 * Writes lines to the caller's stdout/stderr byte for byte, and lets the reader wait when a stream is
 * full. A closed stream (`logs -f | head`) ends the output quietly instead of crashing.
 */
export class LogOutput {
  private closed = false;
  private full: Array<{ stream: NodeJS.WritableStream; wake: () => void; done: Promise<void> }> = [];

  constructor(
    private readonly stdout: NodeJS.WritableStream,
    private readonly stderr: NodeJS.WritableStream,
    private readonly timestamps: boolean,
  ) {
    for (const stream of [stdout, stderr]) stream.on('error', this.onError);
  }

  private readonly onError = (): void => {
    this.closed = true;
    for (const f of this.full) f.wake();
  };

  write = (line: LogLine): void => {
    if (this.closed) return;
    const stream = line.stream === 'stdout' ? this.stdout : this.stderr;
    const data = this.timestamps ? Buffer.concat([Buffer.from(`${formatTimestamp(line.time)} `), line.data]) : line.data;
    if (!stream.write(data) && !this.full.some((f) => f.stream === stream)) {
      let wake!: () => void;
      const done = new Promise<void>((resolve) => (wake = resolve));
      stream.once('drain', wake);
      this.full.push({ stream, wake, done });
    }
  };

  /** Resolves once every full stream has drained; throws OutputClosed when the reader went away. */
  drained = async (): Promise<void> => {
    const full = this.full;
    this.full = [];
    await Promise.all(full.map((f) => f.done));
    if (this.closed) throw new OutputClosed();
  };

  dispose(): void {
    for (const stream of [this.stdout, this.stderr]) stream.removeListener('error', this.onError);
  }
}
