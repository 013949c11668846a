import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from './file-lock';

/**
 * Docker's event message (the Engine API's `events.Message`), one per line in the journal. `status`,
 * `id` and `from` are Docker's legacy fields, still sent for container events.
 */
export interface EngineEvent {
  status?: string;
  id?: string;
  from?: string;
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'plugin' | 'daemon';

/** What a plugin says happened; the journal adds the time and Docker's legacy fields. */
export interface EventInput {
  type: EventType;
  action: string;
  id: string;
  attributes?: Record<string, string | undefined>;
}

/** Largest line written: a smaller single write(2) with O_APPEND never interleaves with another's. */
export const EVENT_LINE_MAX = 4096;
/** The journal is rotated past this size; one older file is kept (Docker keeps 1,000 events in memory). */
export const EVENT_JOURNAL_MAX_BYTES = 1024 * 1024;

/** Nanoseconds since the epoch: the wall clock's milliseconds, refined by the monotonic clock. */
function nowNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

export function makeEvent(input: EventInput, nano: bigint = nowNano()): EngineEvent {
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.attributes ?? {})) if (v !== undefined) attributes[k] = v;
  const event: EngineEvent = {
    Type: input.type,
    Action: input.action,
    Actor: { ID: input.id, Attributes: attributes },
    scope: 'local',
    time: Number(nano / 1_000_000_000n),
    timeNano: Number(nano),
  };
  if (input.type === 'container') return { status: input.action, id: input.id, from: attributes.image ?? '', ...event };
  return event;
}

/**
 * One JSON line, at most EVENT_LINE_MAX bytes: attributes that do not fit (long labels) are dropped,
 * longest first, so a line is always whole and always one write.
 */
export function eventLine(event: EngineEvent): string {
  let line = `${JSON.stringify(event)}\n`;
  const attributes = { ...event.Actor.Attributes };
  while (Buffer.byteLength(line) > EVENT_LINE_MAX) {
    const longest = Object.keys(attributes).sort((a, b) => attributes[b].length + b.length - (attributes[a].length + a.length))[0];
    if (longest === undefined) {
      line = `${JSON.stringify({ ...event, Action: event.Action.slice(0, 256), Actor: { ID: event.Actor.ID.slice(0, 256), Attributes: {} } })}\n`;
      break;
    }
    delete attributes[longest];
    line = `${JSON.stringify({ ...event, Actor: { ...event.Actor, Attributes: attributes } })}\n`;
  }
  return line;
}

/**
 * The events journal: `<runRoot>/events/events.jsonl`, appended by every mydocker process (there is
 * no daemon to hold events in memory). Each event is one write of one line to a file opened O_APPEND,
 * so concurrent writers never interleave; past `maxBytes` the writer that notices renames the file to
 * `events.jsonl.1` under a lock (one older file is kept). The run root is volatile, as Docker's events
 * are: they do not survive a reboot.
 */
export class EventJournal {
  readonly dir: string;
  readonly file: string;
  readonly previous: string;

  constructor(
    runRoot: string,
    readonly maxBytes = EVENT_JOURNAL_MAX_BYTES,
  ) {
    this.dir = join(runRoot, 'events');
    this.file = join(this.dir, 'events.jsonl');
    this.previous = `${this.file}.1`;
  }

  /**
   * Synchronous open/write/close/stat: a few microseconds each for one short line, where the
   * asynchronous calls made four thread-pool round trips per event, three events per `run`.
   */
  async append(event: EngineEvent): Promise<void> {
    const line = eventLine(event);
    try {
      appendFileSync(this.file, line, { mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      appendFileSync(this.file, line, { mode: 0o600 });
    }
    if (statSync(this.file).size > this.maxBytes) await this.rotate();
  }

  /** Under the lock, and only if still too big: another writer may have rotated it meanwhile. */
  private async rotate(): Promise<void> {
    await withFileLock(join(this.dir, 'rotate.lock'), async () => {
      const size = await stat(this.file).then(
        (s) => s.size,
        () => 0,
      );
      if (size > this.maxBytes) await rename(this.file, this.previous);
    });
  }

  /** Every stored event, oldest first (the rotated file, then the current one). */
  readAll(): EngineEvent[] {
    return [...this.readPrevious(), ...parseLines(readText(this.file))];
  }

  /** The events of the rotated (older) file. */
  readPrevious(): EngineEvent[] {
    return parseLines(readText(this.previous));
  }

  /**
   * Calls `onEvent` for each event appended from now on (by any process), polling every `intervalMs`,
   * until the returned stop function is called (`fromStart`: the current file's stored events first). A
   * rotation is followed: the old file is read to its end before the new one is opened.
   */
  follow(onEvent: (event: EngineEvent) => void, intervalMs = 100, fromStart = false): () => void {
    let fd: number | undefined;
    let pos = 0;
    let partial = '';
    const open = (atEnd: boolean) => {
      try {
        fd = openSync(this.file, 'r');
        pos = atEnd ? fstatSync(fd).size : 0;
      } catch {
        fd = undefined;
        pos = 0;
      }
    };
    const drain = () => {
      if (fd === undefined) return;
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        pos += n;
        partial += buf.subarray(0, n).toString('utf8');
      }
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const event of parseLines(lines.join('\n'))) onEvent(event);
    };
    const tick = () => {
      if (fd === undefined) {
        open(false);
        drain();
        return;
      }
      drain();
      let current: number | undefined;
      try {
        current = statSync(this.file).ino;
      } catch {
        current = undefined;
      }
      if (current !== fstatSync(fd).ino) {
        closeSync(fd);
        partial = '';
        open(false);
        drain();
      }
    };
    open(!fromStart);
    if (fromStart) drain();
    const timer = setInterval(tick, intervalMs);
    return () => {
      clearInterval(timer);
      try {
        tick();
      } finally {
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
      }
    };
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Whole lines only; a line that does not parse (a torn file after a crash) is skipped. */
export function parseLines(text: string): EngineEvent[] {
  const out: EngineEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const e = JSON.parse(line) as EngineEvent;
      if (e && typeof e.Type === 'string' && typeof e.Action === 'string' && e.Actor) out.push(e);
    } catch {
      // skipped
    }
  }
  return out;
}
