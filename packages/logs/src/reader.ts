import { open, type FileHandle } from 'node:fs/promises';
import { LogDecoder, type LogLine } from './decoder';
import { logFiles } from './files';

export interface ReadOptions {
  /** Only lines written at or after this time (ns since the epoch). */
  since?: bigint;
  /** Only lines written at or before this time. */
  until?: bigint;
  /** Only the last N lines (of those in the time window). */
  tail?: number;
  /** Called between chunks, so that the writer can wait for a slow reader (backpressure). */
  afterChunk?: () => Promise<void>;
}

export type LineSink = (line: LogLine) => void;

/** Applies the time window and --tail to the lines of the existing log, then lets later lines through. */
export class LineFilter {
  private ring: LogLine[] | undefined;

  constructor(
    private readonly options: ReadOptions,
    private readonly sink: LineSink,
  ) {
    if (options.tail !== undefined) this.ring = [];
  }

  accept(line: LogLine): void {
    if (this.options.since !== undefined && line.time < this.options.since) return;
    if (this.options.until !== undefined && line.time > this.options.until) return;
    if (!this.ring) return this.sink(line);
    if (this.options.tail === 0) return;
    this.ring.push(line);
    if (this.ring.length > this.options.tail!) this.ring.shift();
  }

  /** The history has been read: emit what --tail kept; from now on lines pass straight through. */
  endOfHistory(): void {
    const kept = this.ring;
    this.ring = undefined;
    for (const line of kept ?? []) this.sink(line);
  }
}

const CHUNK = 64 * 1024;

/** Reads `handle` from `position` to its current end into the decoder; returns the new position. */
export async function readFrom(handle: FileHandle, position: number, decoder: LogDecoder, afterChunk?: () => Promise<void>): Promise<number> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
    if (bytesRead === 0) return position;
    position += bytesRead;
    decoder.push(buffer.subarray(0, bytesRead));
    await afterChunk?.();
  }
}

/** Reads a whole file that is no longer written (a rotated one); a file rotated away meanwhile is skipped. */
export async function readWholeFile(path: string, decoder: LogDecoder, afterChunk?: () => Promise<void>): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    await readFrom(handle, 0, decoder, afterChunk);
  } finally {
    await handle.close();
  }
  decoder.dropTorn();
}

/** Every line of the log (rotated files oldest first, then the live one), filtered, into `sink`. */
export async function readLog(path: string, options: ReadOptions, sink: LineSink): Promise<void> {
  const filter = new LineFilter(options, sink);
  const decoder = new LogDecoder((line) => filter.accept(line));
  for (const file of await logFiles(path)) await readWholeFile(file, decoder, options.afterChunk);
  decoder.flush();
  filter.endOfHistory();
}

/** Convenience for tests and tools: the lines as an array. */
export async function readLogLines(path: string, options: ReadOptions = {}): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  await readLog(path, options, (l) => lines.push(l));
  return lines;
}
