import { parseEntry, type LogEntry, type StreamName } from './format';

/** One line of the container's output as the user sees it. */
export interface LogLine {
  /** When its first bytes were written, nanoseconds since the epoch. */
  time: bigint;
  stream: StreamName;
  /** The bytes, with the newline unless the stream ended mid-line. */
  data: Buffer;
}

const NEWLINE = Buffer.from('\n');

/**
 * Turns the bytes of log files into lines: splits entries on `\n` across chunk boundaries, keeps the
 * bytes after the last `\n` as a possibly torn entry (the writer may be mid-write), and joins each
 * stream's P entries with the F entry that ends them.
 */
export class LogDecoder {
  private torn: Buffer[] = [];
  private readonly pending: Record<StreamName, LogEntry[]> = { stdout: [], stderr: [] };
  /** Lines that did not parse (corruption), for diagnostics. */
  skipped = 0;

  constructor(private readonly emit: (line: LogLine) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      let line = chunk.subarray(start, nl);
      if (this.torn.length > 0) {
        line = Buffer.concat([...this.torn, line]);
        this.torn = [];
      }
      this.entry(line);
      start = nl + 1;
    }
    if (start < chunk.length) this.torn.push(Buffer.from(chunk.subarray(start)));
  }

  /** A file ended for good (rotated away, or read once): bytes after its last newline are a torn entry. */
  dropTorn(): void {
    this.torn = [];
  }

  /** The output ended: lines still waiting for their F come out as they are, without a newline. */
  flush(): void {
    const open = (['stdout', 'stderr'] as const).filter((s) => this.pending[s].length > 0);
    open.sort((a, b) => (this.pending[a][0].time < this.pending[b][0].time ? -1 : 1));
    for (const stream of open) {
      const parts = this.pending[stream];
      this.pending[stream] = [];
      this.emit({ time: parts[0].time, stream, data: Buffer.concat(parts.map((p) => p.data)) });
    }
  }

  private entry(line: Buffer): void {
    if (line.length === 0) return;
    const entry = parseEntry(line);
    if (!entry) {
      this.skipped++;
      return;
    }
    const parts = this.pending[entry.stream];
    if (entry.partial) {
      // The entry's bytes are a view into a read buffer that is reused: keep a copy.
      parts.push({ ...entry, data: Buffer.from(entry.data) });
      return;
    }
    const time = parts.length > 0 ? parts[0].time : entry.time;
    const data = Buffer.concat([...parts.map((p) => p.data), entry.data, NEWLINE]);
    this.pending[entry.stream] = [];
    this.emit({ time, stream: entry.stream, data });
  }
}
