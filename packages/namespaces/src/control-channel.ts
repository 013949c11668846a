import type { Duplex } from 'node:stream';

/**
 * The driver's side of the helper's control socket (fd 3): whole lines in, lines out. `next()` resolves
 * with the next line, or null once the helper closed the socket.
 */
export class ControlChannel {
  private buffer = '';
  private readonly lines: string[] = [];
  private waiters: Array<(line: string | null) => void> = [];
  private closed = false;

  constructor(readonly socket: Duplex) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) !== -1) {
        this.push(this.buffer.slice(0, nl));
        this.buffer = this.buffer.slice(nl + 1);
      }
    });
    const end = () => {
      if (this.closed) return;
      this.closed = true;
      if (this.buffer) this.push(this.buffer);
      this.buffer = '';
      for (const w of this.waiters.splice(0)) w(null);
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  private push(line: string): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(line);
    else this.lines.push(line);
  }

  next(): Promise<string | null> {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift()!);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  send(line: string): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(`${line}\n`);
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/** "error CODE MESSAGE" from the helper. */
export function parseErrorLine(line: string): { code: number; message: string } | undefined {
  const m = /^error (\d+) (.*)$/s.exec(line);
  return m ? { code: Number(m[1]), message: m[2] } : undefined;
}
