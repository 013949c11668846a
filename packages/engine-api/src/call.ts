import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { messageOf, statusOf } from './api-error';

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

/** The two ends of a hijacked connection (attach, exec start): the client's input, our output. */
export interface Hijacked {
  output: Writable;
  /** Undefined when the client did not ask for an upgrade: its body is a plain streamed response. */
  input?: Readable;
  end(): void;
}

/**
 * One API request and the ways to answer it. A request that asked for `Upgrade: tcp` arrives without a
 * ServerResponse (Node hands over the socket): its plain answers are written as raw HTTP on the socket.
 */
export class ApiCall {
  readonly query: URLSearchParams;
  params: string[] = [];
  private answered = false;
  private readonly closers: Array<() => void> = [];

  constructor(
    readonly req: IncomingMessage,
    readonly path: string,
    readonly version: string,
    private readonly res?: ServerResponse,
    private readonly socket?: Duplex,
    private readonly head?: Buffer,
  ) {
    this.query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const closed = () => {
      for (const c of this.closers.splice(0)) c();
    };
    (socket ?? req.socket).once('close', closed);
    res?.once('close', closed);
  }

  get method(): string {
    return (this.req.method ?? 'GET').toUpperCase();
  }

  get upgraded(): boolean {
    return this.socket !== undefined;
  }

  get isAnswered(): boolean {
    return this.answered;
  }

  /** A boolean query flag as Docker reads it: 1/true/True (anything but ""/0/false/False). */
  flag(name: string, fallback = false): boolean {
    const v = this.query.get(name);
    if (v === null) return fallback;
    return !['', '0', 'false', 'False', 'FALSE', 'no'].includes(v);
  }

  /** Called once when the client's connection closes (or the response ends). */
  onClose(fn: () => void): void {
    this.closers.push(fn);
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return { 'Api-Version': this.version, 'Docker-Experimental': 'false', Server: 'mydocker', ...extra };
  }

  private raw(status: number, headers: Record<string, string>, body: Buffer): void {
    const lines = [
      `HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      `Content-Length: ${body.length}`,
      'Connection: close',
      '',
      '',
    ];
    this.socket!.end(Buffer.concat([Buffer.from(lines.join('\r\n')), body]));
  }

  send(status: number, body: Buffer | string, contentType = 'text/plain; charset=utf-8'): void {
    if (this.answered) return;
    this.answered = true;
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const headers = this.headers({ 'Content-Type': contentType });
    if (this.res) {
      this.res.writeHead(status, { ...headers, 'Content-Length': String(buf.length) });
      this.res.end(this.method === 'HEAD' ? undefined : buf);
    } else this.raw(status, headers, buf);
  }

  /** Headers and no body (HEAD). */
  sendWithHeaders(status: number, headers: Record<string, string>): void {
    if (this.answered || !this.res) return;
    this.answered = true;
    this.res.writeHead(status, this.headers(headers));
    this.res.end();
  }

  json(status: number, body: unknown): void {
    this.send(status, `${JSON.stringify(body)}\n`, 'application/json');
  }

  noContent(status = 204): void {
    if (this.answered) return;
    this.answered = true;
    if (this.res) {
      this.res.writeHead(status, this.headers({}));
      this.res.end();
    } else this.raw(status, this.headers({}), Buffer.alloc(0));
  }

  /** Docker's error body: `{"message": "…"}` with the status the error maps to. */
  fail(err: unknown): void {
    const status = statusOf(err);
    if (this.answered) {
      // Headers are gone already (a stream): the connection ends, which the client reports.
      this.res?.destroy();
      this.socket?.destroy();
      return;
    }
    this.json(status, { message: messageOf(err) });
  }

  /** A streamed body (logs, events, pull progress): headers go out at once, then chunks as they come. */
  stream(contentType: string, status = 200, extra: Record<string, string> = {}): Writable {
    this.answered = true;
    if (this.res) {
      this.res.writeHead(status, this.headers({ 'Content-Type': contentType, ...extra }));
      this.res.flushHeaders();
      return this.res;
    }
    const out = new PassThrough();
    this.socket!.write(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\n${Object.entries(this.headers({ 'Content-Type': contentType }))
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}Connection: close\r\n\r\n`,
    );
    out.pipe(this.socket!);
    return out;
  }

  /**
   * Docker's hijack: with `Upgrade: tcp` the answer is `101 UPGRADED` and the connection becomes raw both
   * ways; without it, a 200 whose body is the raw stream (and there is no input).
   */
  hijack(contentType: string): Hijacked {
    this.answered = true;
    if (this.socket) {
      const socket = this.socket;
      socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nApi-Version: ${this.version}\r\n\r\n`);
      if (this.head && this.head.length > 0) socket.unshift(this.head);
      return { output: socket, input: socket, end: () => socket.end() };
    }
    const res = this.res!;
    res.writeHead(200, this.headers({ 'Content-Type': contentType }));
    res.flushHeaders();
    return { output: res, end: () => res.end() };
  }
}
