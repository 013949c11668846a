import { Writable } from 'node:stream';

/**
 * The images plugin's pull/push progress (text lines, `\r`-rewritten while it runs) as Docker's JSON
 * message stream: one `{"status": …}` object per line, written as it comes.
 */
export function jsonProgress(out: NodeJS.WritableStream): Writable & { finish(status?: string): void; error(message: string): void } {
  let partial = '';
  const emit = (line: string) => {
    const text = line.trim();
    if (text) out.write(`${JSON.stringify({ status: text })}\r\n`);
  };
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      partial += chunk.toString('utf8');
      const lines = partial.split(/\r\n|\n|\r/);
      partial = lines.pop() ?? '';
      for (const l of lines) emit(l);
      cb();
    },
  }) as Writable & { finish(status?: string): void; error(message: string): void };
  w.finish = (status) => {
    emit(partial);
    partial = '';
    if (status) emit(status);
  };
  w.error = (message) => {
    w.finish();
    out.write(`${JSON.stringify({ errorDetail: { message }, error: message })}\r\n`);
  };
  return w;
}
