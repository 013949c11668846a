import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest } from './api-error';

/** The largest JSON request body accepted: a create request with 10,000 env entries fits many times over. */
export const JSON_BODY_LIMIT = 4 * 1024 * 1024;

/** Reads the whole body, refusing (413, before reading on) one larger than `limit`. */
export function readBody(req: IncomingMessage, limit = JSON_BODY_LIMIT): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new ApiError(413, `The request body is ${declared} bytes: the limit is ${limit} bytes.`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(new ApiError(413, `The request body is larger than the limit of ${limit} bytes.`));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** A JSON object body; an empty body is `{}`. Anything else is Docker's 400 with the parser's reason. */
export async function readJson(req: IncomingMessage, limit?: number): Promise<Record<string, unknown>> {
  // An upgrade request's body was read before the socket was handed over (server.ts).
  const early = (req as IncomingMessage & { upgradeBody?: Buffer }).upgradeBody;
  const raw = early ?? (await readBody(req, limit));
  if (raw.length === 0 || raw.toString('utf8').trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw badRequest(`The request body is not valid JSON: ${(err as Error).message}.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('The request body must be a JSON object.');
  return value as Record<string, unknown>;
}
