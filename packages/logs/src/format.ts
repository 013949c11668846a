import { parseRfc3339 } from './time-spec';

/**
 * One entry of the k8s-file format the monitor writes (Podman's), one per line:
 * `<RFC 3339 nano UTC> <stdout|stderr> <F|P> <bytes>`. F: the bytes were a whole line (its newline
 * dropped); P: a partial line, continued by the next entries of the same stream.
 */
export type StreamName = 'stdout' | 'stderr';

export interface LogEntry {
  /** Nanoseconds since the epoch. */
  time: bigint;
  stream: StreamName;
  partial: boolean;
  data: Buffer;
}

const SPACE = 0x20;

/**
 * One line of Docker's json-file format, `{"log":"text\n","stream":"stdout","time":"<RFC 3339 nano>"}`: the
 * log ends with a newline unless it is part of a longer line (Docker's 16 KiB split), like k8s-file's P.
 */
function parseJsonEntry(line: Buffer): LogEntry | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(line.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null) return undefined;
  const { log, stream, time } = obj as Record<string, unknown>;
  if (typeof log !== 'string' || (stream !== 'stdout' && stream !== 'stderr') || typeof time !== 'string') return undefined;
  const parsed = parseRfc3339(time);
  if (parsed === undefined) return undefined;
  const partial = !log.endsWith('\n');
  return { time: parsed, stream, partial, data: Buffer.from(partial ? log : log.slice(0, -1), 'utf8') };
}

/** Parses one line (without its newline), k8s-file or json-file; undefined for anything malformed. */
export function parseEntry(line: Buffer): LogEntry | undefined {
  if (line[0] === 0x7b /* { */) return parseJsonEntry(line);
  const s1 = line.indexOf(SPACE);
  if (s1 <= 0) return undefined;
  const s2 = line.indexOf(SPACE, s1 + 1);
  if (s2 < 0) return undefined;
  const stream = line.toString('latin1', s1 + 1, s2);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = line[s2 + 1];
  if (tag !== 0x46 /* F */ && tag !== 0x50 /* P */) return undefined;
  const end = s2 + 2;
  if (end < line.length && line[end] !== SPACE) return undefined;
  const time = parseRfc3339(line.toString('latin1', 0, s1));
  if (time === undefined) return undefined;
  return { time, stream, partial: tag === 0x50, data: line.subarray(Math.min(end + 1, line.length)) };
}

/** The inverse, for tests and tools: one entry as the monitor writes it. */
export function formatEntry(time: string, stream: StreamName, partial: boolean, data: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${time} ${stream} ${partial ? 'P' : 'F'} `), Buffer.from(data), Buffer.from('\n')]);
}
