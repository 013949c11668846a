import { UsageError } from '@mydocker/core';
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseChallenges, type Challenge } from './challenge';
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
    const res = await this.request(`/v2/${this.ref.path}/manifests/${encodeURIComponent(reference)}`, { headers: { Accept: ACCEPT } });
    if (!res.ok) {
      await res.body?.cancel();
      throw this.failure(res, what);
    }
    const raw = await this.capped(res, MANIFEST_CAP, 'a manifest');
    const digest = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
    if (reference.startsWith('sha256:') && reference !== digest) {
      throw new RegistryError(`The registry sent a manifest whose bytes do not match its digest ${reference}: nothing was stored.`);
    }
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0].trim();
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
    const res = await this.blobResponse(digest);
    const bytes = await this.capped(res, cap, 'an image config');
    checkBlob(digest, size, bytes.length, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    return bytes;
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
   */
  async blobToFile(digest: string, size: number, file: string, onBytes?: (n: number) => void): Promise<void> {
    let hash = createHash('sha256');
    let total = 0;
    const short = digest.slice(0, 19);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await this.blobResponse(digest, total > 0 ? { Range: `bytes=${total}-` } : {});
          if (total > 0 && !(res.status === 206 && new RegExp(`^bytes ${total}-`).test(res.headers.get('content-range') ?? ''))) {
            // The registry sends the whole blob again: start over.
            onBytes?.(-total);
            hash = createHash('sha256');
            total = 0;
          }
          if (!res.body) throw new RegistryError(`The registry sent an empty answer for the blob ${short}.`);
          // A buffered write stream, so that the network and the disk overlap (an awaited write per
          // chunk was four times slower); after a failure the file's size says what reached the disk.
          const out = createWriteStream(file, { flags: total > 0 ? 'r+' : 'w', start: total, mode: 0o600 });
          try {
            await pipeline(
              Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
              async function* (chunks: AsyncIterable<Buffer>) {
                for await (const chunk of chunks) {
                  if (total + chunk.length > size)
                    throw new RegistryError(`The registry sent more bytes than the ${size} of the blob ${short}: nothing was stored.`);
                  hash.update(chunk);
                  total += chunk.length;
                  onBytes?.(chunk.length);
                  yield chunk;
                }
              },
              out,
            );
          } catch (err) {
            if (!out.closed) await once(out, 'close').catch(() => undefined);
            if (err instanceof RegistryError) throw err;
            // Bytes hashed but not yet written are lost with the stream: hash again what the file holds.
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
