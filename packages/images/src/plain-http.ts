import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/** A small answer read whole with node:http: its status, headers and bytes. */
export interface PlainAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * `GET url` with node:http, for a plain-HTTP registry's small answers (`/v2/`, a manifest, a config).
 * Node's fetch is a bundle of its own (undici) that is compiled on first use: a pull from a plain-HTTP
 * registry whose answers are all 200 never loads it (measured: ~0.1 s of CPU per pull). Only a 200 is
 * read; anything else resolves undefined (its body discarded) and the caller asks again through fetch,
 * which knows auth challenges, redirects, retries and the error sentences. A connection that fails
 * resolves undefined too, so that the same path reports it. A body over `cap` bytes (declared or
 * read) rejects with `tooBig()` before more is read. `beforeAgain` runs on an answer that is not a 200
 * before undefined is resolved: a registry that said 429 with Retry-After is waited for there, or the
 * caller's immediate second ask would ignore what it was told.
 */
export function plainGet(
  url: URL,
  headers: Record<string, string>,
  cap: number,
  tooBig: () => Error,
  beforeAgain: (status: number, headers: IncomingHttpHeaders) => Promise<void> = async () => undefined,
): Promise<PlainAnswer | undefined> {
  const http = require('node:http') as typeof import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        return void beforeAgain(res.statusCode ?? 0, res.headers).then(() => resolve(undefined), reject);
      }
      if (Number(res.headers['content-length'] ?? 0) > cap) {
        res.destroy();
        return reject(tooBig());
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > cap) {
          res.destroy();
          return reject(tooBig());
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: 200, headers: res.headers, body: Buffer.concat(chunks, total) }));
      res.on('error', () => resolve(undefined));
      res.on('close', () => {
        if (!res.complete) resolve(undefined);
      });
    });
    req.on('error', () => resolve(undefined));
  });
}
