/**
 * What `pull` tells the user, in Docker's words. On a terminal, a live line per layer (its state, a bar,
 * bytes) drawn by `cli-progress`; otherwise one plain line per step, as `docker pull | cat` prints them
 * (Docker leaves out the lines that carry a progress bar, Downloading and Extracting, when it is not on
 * a terminal); with `-q`, nothing but the reference at the end, which the caller prints.
 */
export type LayerState =
  'Pulling fs layer' | 'Waiting' | 'Downloading' | 'Verifying Checksum' | 'Download complete' | 'Extracting' | 'Pull complete' | 'Already exists';

export interface PullProgress {
  /** A line of its own: "latest: Pulling from x", "Digest: …", "Status: …". */
  line(text: string): void;
  layer(id: string, state: LayerState, total?: number): void;
  /** `n` more bytes of the layer (negative when a download starts over). */
  bytes(id: string, n: number): void;
  /** The bars are done: lines that follow go below them. */
  stop(): void;
}

/** Docker's go-units HumanSize: decimal units, three significant digits ("1.05MB", "512B"). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

/** Docker's bar: 50 columns of `=` with a `>` head. */
export function bar(done: number, total: number, width = 50): string {
  const filled = total > 0 ? Math.min(width, Math.floor((done / total) * width)) : 0;
  return filled >= width ? `[${'='.repeat(width)}]` : `[${'='.repeat(filled)}>${' '.repeat(width - filled - 1)}]`;
}

const SILENT: PullProgress = { line: () => undefined, layer: () => undefined, bytes: () => undefined, stop: () => undefined };

export function plainProgress(out: NodeJS.WritableStream): PullProgress {
  return {
    line: (text) => void out.write(`${text}\n`),
    layer: (id, state) => {
      if (state !== 'Downloading' && state !== 'Extracting') out.write(`${id}: ${state}\n`);
    },
    bytes: () => undefined,
    stop: () => undefined,
  };
}

export function ttyProgress(out: NodeJS.WritableStream): PullProgress {
  const { MultiBar } = require('cli-progress') as typeof import('cli-progress');
  type Bar = ReturnType<InstanceType<typeof MultiBar>['create']>;
  const bars = new Map<string, { bar: Bar; state: LayerState; done: number; total: number }>();
  let multi: InstanceType<typeof MultiBar> | undefined;
  const lines: string[] = [];
  const format = (_o: unknown, params: { value: number; total: number }, payload: { id: string; state: LayerState }) => {
    const { id, state } = payload;
    // The store unpacks the layers in one call and tells no bytes: Extracting is a state without a bar.
    if (state === 'Downloading') return `${id}: ${state} ${bar(params.value, params.total)}  ${humanSize(params.value)}/${humanSize(params.total)}`;
    return `${id}: ${state}`;
  };
  const ensure = () =>
    (multi ??= new MultiBar({
      stream: out as NodeJS.WriteStream,
      format: format as never,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: false,
      linewrap: false,
      fps: 10,
      emptyOnZero: true,
    }));
  return {
    line: (text) => {
      if (multi) lines.push(text);
      else out.write(`${text}\n`);
    },
    layer: (id, state, total) => {
      let entry = bars.get(id);
      if (!entry) {
        entry = { bar: ensure().create(total ?? 0, 0, { id, state }), state, done: 0, total: total ?? 0 };
        bars.set(id, entry);
      }
      entry.state = state;
      if (total !== undefined) entry.total = total;
      entry.bar.setTotal(entry.total);
      entry.bar.update(entry.done, { id, state });
    },
    bytes: (id, n) => {
      const entry = bars.get(id);
      if (!entry) return;
      entry.done = Math.max(0, entry.done + n);
      entry.bar.update(entry.done, { id, state: entry.state });
    },
    stop: () => {
      multi?.stop();
      multi = undefined;
      for (const l of lines.splice(0)) out.write(`${l}\n`);
    },
  };
}

export function progressFor(out: NodeJS.WritableStream, quiet: boolean): PullProgress {
  if (quiet) return SILENT;
  return (out as NodeJS.WriteStream).isTTY ? ttyProgress(out) : plainProgress(out);
}
