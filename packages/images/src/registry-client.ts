import { UsageError } from '@mydocker/core';
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseChallenges, type Challenge } from './challenge';
import { plainGet, type PlainAnswer } from './plain-http';
import { printable, registryHost, type Reference } from './reference';
import { fetchWithCAs, isCertificateError, registryCAs } from './tls';

export interface Credentials {
  username: string;
  password: string;
}

export interface ClientOptions {
  /** Registries (`host[:port]`) reached over plain HTTP; localhost and 127.0.0.1 always are. */
  insecure?: string[];
  credentials?: Credentials;
  /** Docker's `certs.d` layout: `<certsDir>/HOST:PORT/*.crt` are CAs trusted for that registry. */
  certsDir?: string;
  /** For tests: another fetch. */
  fetch?: typeof fetch;
  /**
   * Where to send the requests instead of the reference's registry (`http://host:port`): a mirror of
   * Docker Hub. The repository path stays the reference's.
   */
  endpoint?: string;
}

/** Docker's caps: a manifest over 4 MiB or a config over 8 MiB is refused before it is read whole. */
export const MANIFEST_CAP = 4 << 20;
export const CONFIG_CAP = 8 << 20;

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  schema1: 'application/vnd.docker.distribution.manifest.v1+json',
  schema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

const ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(', ');

/** What fetch takes as a body (the DOM's BodyInit, which this project's lib does not name). */
export type RequestBody = NonNullable<RequestInit['body']>;

/** The registry failed us: one sentence for the user, exit 125. */
export class RegistryError extends UsageError {}

/** The connection failed (refused, reset, cut mid-body): worth trying again, unlike an answer. */
export class TransientError extends RegistryError {}

/** Back-off before the n-th retry of a failed connection: 0.5, 1, 2 s. */
export const backoffMs = (attempt: number) => 500 * 2 ** attempt;

function isLoopback(host: string): boolean {
  const name = host.replace(/:[0-9]+$/, '');
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]' || /^127\./.test(name);
}

export function schemeFor(domain: string, insecure: string[] = []): 'http' | 'https' {
  return isLoopback(domain) || insecure.includes(domain) ? 'http' : 'https';
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: NodeJS.ErrnoException }).cause ?? (err as NodeJS.ErrnoException);
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'the connection was refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'its name does not resolve';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'the connection was reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'the connection timed out';
    default:
      return String(cause?.message ?? err)
        .split('\n')[0]
        .replace(/[.\s]+$/, '');
  }
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);
const RETRIES = 3;
const MAX_RETRY_WAIT_MS = 10_000;

/**
 * Before a node:http answer that was not taken is asked again through fetch: a registry that asks to wait
 * (429 with Retry-After, a 502/503/504) is waited for first, as `sendRetrying` would.
 */
async function waitAsAsked(status: number, headers: import('node:http').IncomingHttpHeaders): Promise<void> {
  if (!RETRY_STATUS.has(status)) return;
  const header = headers['retry-after'];
  const wait = retryAfterMs(Array.isArray(header) ? header[0] : (header ?? null)) ?? 500;
  if (wait <= MAX_RETRY_WAIT_MS) await new Promise((r) => setTimeout(r, wait));
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface FetchedManifest {
  raw: Buffer;
  digest: string;
  mediaType: string;
}

/**
 * One repository on one registry, as the OCI distribution spec has a client talk to it. Auth follows
 * the registry's challenge: Bearer tokens fetched from its realm for this repository's scope (with the
 * credentials when there are some), or Basic; a token is kept for the client's life.
 */
export class RegistryClient {
  readonly base: string;
  /**
   * Authorization per token scope, kept for the token's lifetime (`expires_in`, 60 s when the token
   * service does not say, as the spec has it); Basic under the scope ''. A promise, so that three layers
   * that meet a 401 at once ask the token service once.
   */
  private readonly auth = new Map<string, { value: Promise<string>; until: number }>();
  /** The token scope asked for: pull, or pull and push for `push`. */
  scope: string;
  private readonly fetch: typeof fetch;
  private readonly hostName: string;

  constructor(
    readonly ref: Reference,
    private readonly options: ClientOptions = {},
  ) {
    const endpoint = options.endpoint ? new URL(options.endpoint) : undefined;
    this.hostName = endpoint ? endpoint.host : ref.domain;
    this.base = endpoint ? endpoint.origin : `${schemeFor(ref.domain, options.insecure)}://${registryHost(ref.domain)}`;
    this.fetch = options.fetch ?? (this.base.startsWith('https:') ? fetchWithCAs(registryCAs(options.certsDir, this.hostName).ca) : fetch);
    this.scope = `repository:${ref.path}:pull`;
  }

  get host(): string {
    return this.hostName;
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetch(url, { redirect: 'follow', ...init });
    } catch (err) {
      throw this.certificateFailure(err) ?? new TransientError(`Cannot reach the registry ${printable(this.host)}: ${networkReason(err)}.`);
    }
  }

  /** A certificate the CAs do not vouch for, with where its CA would go; undefined for other failures. */
  private certificateFailure(err: unknown): RegistryError | undefined {
    const cause = (err as { cause?: NodeJS.ErrnoException }).cause ?? (err as NodeJS.ErrnoException);
    if (!isCertificateError(cause?.code)) return undefined;
    const dir = `${this.options.certsDir ?? '/etc/mydocker/certs.d'}/${this.host}`;
    return new RegistryError(
      `The certificate of the registry ${printable(this.host)} is not trusted (${printable(
        String(cause.message)
          .split('\n')[0]
          .replace(/[.\s]+$/, ''),
      )}): put its CA in ${printable(dir)}/ca.crt.`,
    );
  }

  /**
   * A GET or HEAD that meets 429 or a 502/503/504 is tried again, up to three times, after the
   * Retry-After the registry gives (seconds or a date; one over 10 s is not waited for) or a back-off
   * of 0.5, 1, 2 s. Other methods carry bodies and upload state, so they are not repeated here.
   */
  private async sendRetrying(url: string, init: RequestInit): Promise<Response> {
    const method = (init.method ?? 'GET').toUpperCase();
    for (let attempt = 0; ; attempt++) {
      const res = await this.send(url, init);
      if (!RETRY_STATUS.has(res.status) || attempt >= RETRIES || (method !== 'GET' && method !== 'HEAD')) return res;
      const wait = retryAfterMs(res.headers.get('retry-after')) ?? 500 * 2 ** attempt;
      if (wait > MAX_RETRY_WAIT_MS) return res;
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /**
   * A request with auth; one 401 leads to a new token (or Basic) and a retry. A body that is a stream
   * is given as a function, so the retry sends it again from the start. `path` may be a full URL (an
   * upload's Location).
   */
  async request(path: string, init: RequestInit & { makeBody?: () => RequestBody } = {}, scope = this.scope): Promise<Response> {
    const url = /^https?:\/\//.test(path) ? path : `${this.base}${path}`;
    const { makeBody, ...rest } = init;
    const build = (auth?: string): RequestInit => ({
      ...rest,
      headers: { ...(init.headers as Record<string, string>), ...(auth ? { Authorization: auth } : {}) },
      ...(makeBody ? { body: makeBody(), duplex: 'half' } : {}),
    });
    const held = this.cachedAuth(scope);
    const used = held ? await held : undefined;
    let res = await this.sendRetrying(url, build(used));
    if (res.status !== 401) return res;
    await res.body?.cancel();
    const challenges = parseChallenges(res.headers.get('www-authenticate'));
    // Another request may have fetched a new token since this one set out: use it rather than ask again.
    const again = this.cachedAuth(scope);
    const fresh = again && again !== held ? again : this.remember(scope, this.authenticate(challenges, scope));
    res = await this.sendRetrying(url, build(await fresh));
    if (res.status === 401) {
      await res.body?.cancel();
      this.auth.delete(scope);
      throw new RegistryError(
        this.options.credentials
          ? `The registry ${printable(this.host)} refused the credentials${this.forWhat()} (401 Unauthorized).`
          : `The registry ${printable(this.host)} requires authentication${this.forWhat()}: log in with \`mydocker login ${printable(this.host)}\`.`,
      );
    }
    return res;
  }

  private cachedAuth(scope: string): Promise<string> | undefined {
    const entry = this.auth.get(scope) ?? this.auth.get('');
    if (!entry) return undefined;
    if (Date.now() < entry.until) return entry.value;
    this.auth.delete(scope);
    return undefined;
  }

  private remember(scope: string, auth: Promise<{ value: string; lifetimeS?: number }>): Promise<string> {
    const value = auth.then((a) => a.value);
    const entry = { value, until: Number.POSITIVE_INFINITY };
    this.auth.set(scope, entry);
    auth.then(
      (a) => {
        // Basic is good for every scope; a token for its own, until shortly before it expires.
        if (a.lifetimeS === undefined) {
          this.auth.delete(scope);
          this.auth.set('', entry);
        } else entry.until = Date.now() + Math.max(0, a.lifetimeS - 5) * 1000;
      },
      () => this.auth.delete(scope),
    );
    return value;
  }

  private forWhat(): string {
    return this.ref.path ? ` for ${printable(this.ref.path)}` : '';
  }

  private basic(): string | undefined {
    const c = this.options.credentials;
    return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
  }

  private async authenticate(challenges: Challenge[], scope: string): Promise<{ value: string; lifetimeS?: number }> {
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const { token, lifetimeS } = await this.token(bearer, scope);
      return { value: `Bearer ${token}`, lifetimeS };
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      const basic = this.basic();
      if (basic) return { value: basic };
    }
    if (this.options.credentials) throw new RegistryError(`The registry ${printable(this.host)} asks for an authentication scheme this client does not speak.`);
    throw new RegistryError(
      `The registry ${printable(this.host)} requires authentication${this.forWhat()}: log in with \`mydocker login ${printable(this.host)}\`.`,
    );
  }

  private async token(challenge: Challenge, scope: string): Promise<{ token: string; lifetimeS: number }> {
    const realm = challenge.params.realm;
    let url: URL;
    try {
      url = new URL(realm);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (isLoopback(url.host) || (this.options.insecure ?? []).includes(url.host))))
        throw new Error('scheme');
    } catch {
      throw new RegistryError(`The registry ${printable(this.host)} names an unusable token service ${JSON.stringify(printable(realm ?? ''))}.`);
    }
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    // Several scopes (a push that mounts from another repository) are several `scope` parameters.
    for (const one of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', one);
    const basic = this.basic();
    let res: Response;
    try {
      res = await this.fetch(url, { headers: basic ? { Authorization: basic } : {}, redirect: 'follow' });
    } catch (err) {
      throw (
        this.certificateFailure(err) ??
        new RegistryError(`Cannot reach the token service of ${printable(this.host)} (${printable(url.host)}): ${networkReason(err)}.`)
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new RegistryError(
        res.status === 401 || res.status === 403
          ? `The registry ${printable(this.host)} refused ${basic ? 'the credentials' : 'anonymous access'}${this.forWhat()} (${res.status}).`
          : `The token service of ${printable(this.host)} answered ${res.status} ${printable(res.statusText)}.`,
      );
    }
    const body = (await res.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
    const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (!token) throw new RegistryError(`The token service of ${printable(this.host)} sent no token.`);
    const lifetimeS = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    return { token, lifetimeS };
  }

  /** `GET /v2/`: that this is a registry and that we may talk to it. */
  async ping(scope = this.scope): Promise<void> {
    if (await this.plain('/v2/', {}, 1 << 20, 'an answer to GET /v2/', scope)) return;
    const res = await this.request('/v2/', {}, scope);
    await res.body?.cancel();
    if (!res.ok) throw new RegistryError(`${printable(this.host)} is not a registry: GET /v2/ answered ${res.status} ${printable(res.statusText)}.`);
  }

  private failure(res: Response, what: string): RegistryError {
    if (res.status === 404) return new RegistryError(`${what} was not found in the registry ${printable(this.host)} (404).`);
    if (res.status === 403) return new RegistryError(`The registry ${printable(this.host)} denied access to ${printable(this.ref.path)} (403 Forbidden).`);
    if (res.status === 429) return new RegistryError(`The registry ${printable(this.host)} is limiting requests (429 Too Many Requests): try again later.`);
    return new RegistryError(
      `The registry ${printable(this.host)} answered ${res.status} ${printable(res.statusText)} for ${what.charAt(0).toLowerCase()}${what.slice(1)}.`,
    );
  }

  /** Reads a body of at most `cap` bytes, refusing a longer one before it is read whole. */
  private async capped(res: Response, cap: number, what: string): Promise<Buffer> {
    const declared = Number(res.headers.get('content-length') ?? NaN);
    const tooBig = () => new RegistryError(`The registry sent ${what} larger than the limit of ${cap >> 20} MiB: refused.`);
    if (declared > cap) {
      await res.body?.cancel();
      throw tooBig();
    }
    const chunks: Buffer[] = [];
    let total = 0;
    if (res.body) {
      for await (const chunk of Readable.fromWeb(res.body as import('node:stream/web').ReadableStream)) {
        total += (chunk as Buffer).length;
        if (total > cap) throw tooBig();
        chunks.push(chunk as Buffer);
      }
    }
    return Buffer.concat(chunks);
  }

  /** A manifest by tag or digest; by digest, its bytes must hash to it. */
  async manifest(reference: string): Promise<FetchedManifest> {
    const what = `The manifest ${printable(this.ref.path)}${reference.startsWith('sha256:') ? '@' : ':'}${printable(reference)}`;
    const path = `/v2/${this.ref.path}/manifests/${encodeURIComponent(reference)}`;
    const direct = await this.plain(path, { Accept: ACCEPT }, MANIFEST_CAP, 'a manifest');
    let raw: Buffer;
    let contentType: string;
    if (direct) {
      raw = direct.body;
      contentType = String(direct.headers['content-type'] ?? '');
    } else {
      const res = await this.request(path, { headers: { Accept: ACCEPT } });
      if (!res.ok) {
        await res.body?.cancel();
        throw this.failure(res, what);
      }
      raw = await this.capped(res, MANIFEST_CAP, 'a manifest');
      contentType = res.headers.get('content-type') ?? '';
    }
    const digest = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
    if (reference.startsWith('sha256:') && reference !== digest) {
      throw new RegistryError(`The registry sent a manifest whose bytes do not match its digest ${reference}: nothing was stored.`);
    }
    const mediaType = contentType.split(';')[0].trim();
    return { raw, digest, mediaType };
  }

  /** Every tag of the repository (`GET /v2/NAME/tags/list`), following the `Link` header's pages. */
  async tags(): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = `/v2/${this.ref.path}/tags/list?n=1000`;
    for (let page = 0; next && page < 100; page++) {
      const res = await this.request(next);
      if (!res.ok) {
        await res.body?.cancel();
        throw this.failure(res, `The repository ${printable(this.ref.path)}`);
      }
      const body = JSON.parse((await this.capped(res, MANIFEST_CAP, 'a tag list')).toString('utf8') || '{}') as { tags?: unknown };
      if (Array.isArray(body.tags)) out.push(...body.tags.filter((t): t is string => typeof t === 'string' && /^[\w][\w.-]{0,127}$/.test(t)));
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers.get('link') ?? '')?.[1];
      next = link ? new URL(link, this.base).toString() : undefined;
      if (next && new URL(next).origin !== new URL(this.base).origin) next = undefined;
    }
    return out;
  }

  /** A small blob (a config) into memory, verified. */
  async blobBytes(digest: string, size: number, cap = CONFIG_CAP): Promise<Buffer> {
    if (size > cap) throw new RegistryError(`The image config is larger than the limit of ${cap >> 20} MiB: refused.`);
    const direct = await this.plain(`/v2/${this.ref.path}/blobs/${digest}`, {}, cap, 'an image config');
    const bytes = direct ? direct.body : await this.capped(await this.blobResponse(digest), cap, 'an image config');
    checkBlob(digest, size, bytes.length, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    return bytes;
  }

  /**
   * A small GET on a plain-HTTP registry through node:http (plain-http.ts), with the authorization
   * already held for `scope`; undefined when this is no plain-HTTP registry or the answer is not a 200,
   * and the caller then asks through `request`.
   */
  private async plain(path: string, headers: Record<string, string>, cap: number, what: string, scope = this.scope): Promise<PlainAnswer | undefined> {
    if (this.options.fetch || !this.base.startsWith('http:')) return undefined;
    const held = this.cachedAuth(scope);
    const authorization = held ? await held.catch(() => undefined) : undefined;
    const tooBig = () => new RegistryError(`The registry sent ${what} larger than the limit of ${cap >> 20} MiB: refused.`);
    const url = new URL(`${this.base}${path}`);
    return plainGet(url, { ...headers, ...(authorization ? { Authorization: authorization } : {}) }, cap, tooBig, (status, h) => waitAsAsked(status, h));
  }

  /**
   * A layer blob's body. On a plain-HTTP registry it is first asked for with node:http, with the
   * authorization already held: fetch's web streams cost a third more CPU per byte (measured: 4 × 32 MB
   * with sha256, 0.8–1.0 s against 1.15–1.45 s), and a pull spends most of its time here. Only a
   * 200 or 206 answer is taken that way; anything else (401, a redirect, 429, an error status) is asked
   * again through `request`, which knows auth challenges, redirects, retries and the error sentences.
   */
  private async blobBody(digest: string, headers: Record<string, string>): Promise<BlobBody> {
    const direct = !this.options.fetch && this.base.startsWith('http:') ? await this.plainHttpBlob(digest, headers) : undefined;
    if (direct) return direct;
    const res = await this.blobResponse(digest, headers);
    if (!res.body) throw new RegistryError(`The registry sent an empty answer for the blob ${digest.slice(0, 19)}.`);
    // The body's own reader: Readable.fromWeb and an async iteration over it concatenated the
    // buffered chunks (one more copy of every byte, and garbage) before they were hashed.
    const reader = (res.body as import('node:stream/web').ReadableStream<Uint8Array>).getReader();
    return {
      status: res.status,
      contentRange: res.headers.get('content-range') ?? '',
      read: async () => {
        const { done, value } = await reader.read();
        return done ? undefined : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      },
      cancel: () => void reader.cancel().catch(() => undefined),
    };
  }

  private async plainHttpBlob(digest: string, headers: Record<string, string>): Promise<BlobBody | undefined> {
    const held = this.cachedAuth(this.scope);
    const authorization = held ? await held.catch(() => undefined) : undefined;
    const url = new URL(`${this.base}/v2/${this.ref.path}/blobs/${digest}`);

    const http = require('node:http') as typeof import('node:http');
    let res: import('node:http').IncomingMessage;
    try {
      res = await new Promise((resolve, reject) => {
        http.get(url, { headers: { ...headers, ...(authorization ? { Authorization: authorization } : {}) } }, resolve).on('error', reject);
      });
    } catch (err) {
      throw new TransientError(`Cannot reach the registry ${printable(this.host)}: ${networkReason(err)}.`);
    }
    if (res.statusCode !== 200 && res.statusCode !== 206) {
      res.resume();
      await waitAsAsked(res.statusCode ?? 0, res.headers);
      return undefined;
    }
    return nodeBody(res);
  }

  private async blobResponse(digest: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await this.request(`/v2/${this.ref.path}/blobs/${digest}`, { headers });
    if (!res.ok) {
      await res.body?.cancel();
      throw this.failure(res, `The blob ${digest.slice(0, 19)}`);
    }
    return res;
  }

  /**
   * A blob streamed into `file`, hashed and counted as it passes: more bytes than the descriptor
   * says stop the download, and a size or digest mismatch removes the file. A connection that fails
   * (refused, reset, cut mid-body) is tried again after a back-off, up to three times, asking with
   * `Range` for the bytes not yet received; a registry that answers the whole blob again (200, not
   * 206) is read from the start.
   *
   * `tap` gets the same bytes, in order, as they arrive (pull extracts the layer while it downloads);
   * its promise holds the download back. The bytes are not verified yet: the tap must not use what it
   * made until this call resolves. Before any retry the tap is abandoned (`abandon()`, and it gets no
   * more bytes): it then saw only part of the blob, and the caller reads the verified file instead.
   */
  async blobToFile(digest: string, size: number, file: string, onBytes?: (n: number) => void, tap?: BlobTap): Promise<void> {
    let hash = createHash('sha256');
    let total = 0;
    const short = digest.slice(0, 19);
    let tapping = tap;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await this.blobBody(digest, total > 0 ? { Range: `bytes=${total}-` } : {});
          if (total > 0 && !(res.status === 206 && new RegExp(`^bytes ${total}-`).test(res.contentRange))) {
            // The registry sends the whole blob again: start over.
            onBytes?.(-total);
            hash = createHash('sha256');
            total = 0;
          }
          // A buffered write stream, so that the network and the disk overlap (an awaited write per
          // chunk was four times slower); after a failure the file's size says what reached the disk.
          const out = createWriteStream(file, { flags: total > 0 ? 'r+' : 'w', start: total, mode: 0o600, highWaterMark: FILE_BUFFER });
          let outError: Error | undefined;
          out.on('error', (e) => (outError ??= e));
          try {
            for (;;) {
              const chunk = await res.read();
              if (!chunk) break;
              if (outError) throw outError;
              if (total + chunk.length > size)
                throw new RegistryError(`The registry sent more bytes than the ${size} of the blob ${short}: nothing was stored.`);
              hash.update(chunk);
              total += chunk.length;
              onBytes?.(chunk.length);
              const written = out.write(chunk) ? undefined : drained(out);
              const tapped = tapping?.write(chunk);
              if (written) await written;
              if (tapped) await tapped;
            }
            out.end();
            await finished(out);
            if (outError) throw outError;
          } catch (err) {
            res.cancel();
            // What was received is kept for the resume: the bytes still buffered are written out first
            // (destroying the stream would drop them, and a resume would then ask for them again).
            if (outError || err instanceof RegistryError) out.destroy();
            else out.end();
            if (!out.closed) await once(out, 'close').catch(() => undefined);
            if (err instanceof RegistryError) throw err;
            // Bytes hashed but not in the file (its writes failed): hash again what the file holds.
            const onDisk = (await stat(file).catch(() => ({ size: 0 }))).size;
            if (onDisk !== total) {
              onBytes?.(onDisk - total);
              hash = await hashPrefix(file, onDisk);
              total = onDisk;
            }
            throw new TransientError(`The download of the blob ${short} from ${printable(this.host)} failed: ${networkReason(err)}; nothing was stored.`);
          }
          // A body that ends early without an error (a proxy that closed cleanly) is a cut connection too.
          if (total < size)
            throw new TransientError(
              `The download of the blob ${short} from ${printable(this.host)} failed: the connection closed after ${total} of ${size} bytes; nothing was stored.`,
            );
          break;
        } catch (err) {
          if (!(err instanceof TransientError) || attempt >= RETRIES) throw err;
          tapping?.abandon();
          tapping = undefined;
          await new Promise((r) => setTimeout(r, backoffMs(attempt)));
        }
      }
      checkBlob(digest, size, total, `sha256:${hash.digest('hex')}`);
    } catch (err) {
      await rm(file, { force: true });
      if (err instanceof TransientError && /^Cannot reach/.test(err.message)) {
        throw new RegistryError(
          `The download of the blob ${short} from ${printable(this.host)} failed: ${err.message.replace(/^Cannot reach the registry [^:]+: /, '').replace(/\.$/, '')}; nothing was stored.`,
        );
      }
      throw err;
    }
  }
}

/** A blob's answer, from fetch or node:http: its status, its Content-Range, and its bytes in order. */
interface BlobBody {
  status: number;
  contentRange: string;
  /** The next bytes; undefined at the end; rejects when the connection fails. */
  read(): Promise<Buffer | undefined>;
  cancel(): void;
}

/** An IncomingMessage as a BlobBody: chunks as they come (no concatenation), paused when 16 wait. */
function nodeBody(res: import('node:http').IncomingMessage): BlobBody {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  res.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length >= 16) res.pause();
    poke();
  });
  res.on('end', () => {
    ended = true;
    poke();
  });
  res.on('error', (err) => {
    failure ??= err;
    poke();
  });
  res.on('close', () => {
    // Closed before its end without an error of its own: the connection went away.
    if (!ended) failure ??= Object.assign(new Error('the connection was reset'), { code: 'ECONNRESET' });
    poke();
  });
  return {
    status: res.statusCode ?? 0,
    contentRange: String(res.headers['content-range'] ?? ''),
    read: async () => {
      for (;;) {
        const chunk = queue.shift();
        if (chunk) {
          if (queue.length < 4 && res.isPaused()) res.resume();
          return chunk;
        }
        if (failure) throw failure;
        if (ended) return undefined;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    cancel: () => res.destroy(),
  };
}

/** Where a blob's bytes go beside its file as they arrive (see `blobToFile`). */
export interface BlobTap {
  /** The next bytes, in order; a promise holds the download back until it settles (it must not reject). */
  write(chunk: Buffer): Promise<void> | undefined;
  /** The download starts again or resumes: no more bytes follow, and those given are not the blob. */
  abandon(): void;
}

/** The blob file's write buffer: the disk keeps up with the network in fewer, larger writes. */
const FILE_BUFFER = 1 << 20;

/** Resolves on 'drain', or when the stream closes or fails (its error is read by the caller). */
function drained(stream: import('node:stream').Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

/** A sha256 of the first `length` bytes of a file, to carry on from after a resume. */
async function hashPrefix(file: string, length: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (length > 0) for await (const chunk of createReadStream(file, { start: 0, end: length - 1 })) hash.update(chunk as Buffer);
  return hash;
}

function checkBlob(digest: string, size: number, got: number, hashed: string): void {
  if (got !== size) throw new RegistryError(`The registry sent ${got} bytes for the blob ${digest.slice(0, 19)} of ${size} bytes: nothing was stored.`);
  if (hashed !== digest) throw new RegistryError(`The registry sent a blob whose bytes do not match its digest ${digest}: nothing was stored.`);
}
