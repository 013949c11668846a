import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountSource, readBlobSources, recordBlobSources } from '../blob-sources';
import { bar, humanSize, plainProgress } from '../progress';
import { registryMirrors } from '../pull';
import { RegistryClient } from '../registry-client';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A response whose body sends `first` bytes and then fails, as a connection cut mid-blob. */
function cutResponse(bytes: Buffer, status = 200, headers: Record<string, string> = {}, landed: () => boolean = () => true): Response {
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(new Uint8Array(bytes));
        return;
      }
      // Later, once the reader has taken the bytes (an error drops what is still queued) and, where the
      // test says, once they are in the file (a write stream not yet open drops what it holds).
      await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 500 && !landed(); i++) await new Promise((r) => setTimeout(r, 10));
      controller.error(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
    },
  });
  return new Response(body, { status, headers });
}

describe('blob download: resume after a cut', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'blob-resume-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const blob = Buffer.from('0123456789'.repeat(1000));

  it('asks with Range for the bytes it lacks and verifies the whole', async () => {
    const file = join(dir, 'blob');
    const asked: Array<string | undefined> = [];
    const fake = (async (_url: string, init: RequestInit) => {
      const range = (init.headers as Record<string, string>).Range;
      asked.push(range);
      if (!range) return cutResponse(blob.subarray(0, 4000), 200, {}, () => existsSync(file) && statSync(file).size === 4000);
      const from = Number(/bytes=(\d+)-/.exec(range)![1]);
      return new Response(blob.subarray(from), { status: 206, headers: { 'Content-Range': `bytes ${from}-${blob.length - 1}/${blob.length}` } });
    }) as unknown as typeof fetch;
    const client = new RegistryClient({ domain: '127.0.0.1:1', path: 'a/b' }, { fetch: fake });
    await client.blobToFile(digestOf(blob), blob.length, file);
    expect(asked).toEqual([undefined, 'bytes=4000-']);
    expect(readFileSync(file).equals(blob)).toBe(true);
  });

  it('starts over when the registry answers the whole blob again (200, not 206)', async () => {
    let calls = 0;
    const fake = (async () => (calls++ === 0 ? cutResponse(blob.subarray(0, 4000)) : new Response(blob, { status: 200 }))) as unknown as typeof fetch;
    const client = new RegistryClient({ domain: '127.0.0.1:1', path: 'a/b' }, { fetch: fake });
    const file = join(dir, 'blob');
    const counted: number[] = [];
    await client.blobToFile(digestOf(blob), blob.length, file, (n) => counted.push(n));
    expect(readFileSync(file).equals(blob)).toBe(true);
    expect(counted.reduce((a, b) => a + b, 0)).toBe(blob.length);
  });

  it('gives up after three retries with one sentence and no file', async () => {
    const fake = (async () => cutResponse(blob.subarray(0, 10))) as unknown as typeof fetch;
    const client = new RegistryClient({ domain: '127.0.0.1:1', path: 'a/b' }, { fetch: fake });
    const file = join(dir, 'blob');
    await expect(client.blobToFile(digestOf(blob), blob.length, file)).rejects.toThrow(
      /^The download of the blob sha256:[0-9a-f]{12} from 127\.0\.0\.1:1 failed: the connection was reset; nothing was stored\.$/,
    );
    expect(() => readFileSync(file)).toThrow();
  }, 20_000);
});

describe('token cache', () => {
  it('asks the token service once for three requests that meet a 401 together, and sends the token after', async () => {
    let tokens = 0;
    const fake = (async (url: URL | string, init: RequestInit = {}) => {
      const u = new URL(String(url));
      if (u.pathname === '/token') {
        tokens++;
        await new Promise((r) => setTimeout(r, 20));
        return Response.json({ token: 't1', expires_in: 300 });
      }
      const auth = (init.headers as Record<string, string> | undefined)?.Authorization;
      if (auth !== 'Bearer t1')
        return new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="http://127.0.0.1:1/token",service="s"' } });
      return new Response('{}', { status: 200 });
    }) as unknown as typeof fetch;
    const client = new RegistryClient({ domain: '127.0.0.1:1', path: 'a/b' }, { fetch: fake });
    const answers = await Promise.all([client.request('/v2/x'), client.request('/v2/y'), client.request('/v2/z')]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(tokens).toBe(1);
    expect((await client.request('/v2/w')).status).toBe(200);
    expect(tokens).toBe(1);
  });

  it('asks again once the token has outlived its expires_in (less a 5 s margin)', async () => {
    let tokens = 0;
    const fake = (async (url: URL | string, init: RequestInit = {}) => {
      const u = new URL(String(url));
      if (u.pathname === '/token') return Response.json({ token: `t${++tokens}`, expires_in: 5 });
      const auth = (init.headers as Record<string, string> | undefined)?.Authorization;
      if (auth !== `Bearer t${tokens}`) return new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="http://127.0.0.1:1/token"' } });
      return new Response('{}', { status: 200 });
    }) as unknown as typeof fetch;
    const client = new RegistryClient({ domain: '127.0.0.1:1', path: 'a/b' }, { fetch: fake });
    expect((await client.request('/v2/x')).status).toBe(200);
    expect((await client.request('/v2/y')).status).toBe(200);
    expect(tokens).toBe(2);
  });
});

describe('progress lines', () => {
  it('sizes and bars as Docker draws them', () => {
    expect(humanSize(512)).toBe('512B');
    expect(humanSize(1_050_000)).toBe('1.05MB');
    expect(humanSize(2_000_000)).toBe('2MB');
    expect(bar(0, 10, 10)).toBe('[>         ]');
    expect(bar(5, 10, 10)).toBe('[=====>    ]');
    expect(bar(10, 10, 10)).toBe('[==========]');
  });

  it('on a pipe: one line per step, without the bar states', () => {
    let out = '';
    const p = plainProgress({ write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream);
    p.line('v1: Pulling from a/b');
    for (const s of ['Pulling fs layer', 'Downloading', 'Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete'] as const)
      p.layer('abc', s, 10);
    p.bytes('abc', 5);
    expect(out).toBe('v1: Pulling from a/b\nabc: Pulling fs layer\nabc: Verifying Checksum\nabc: Download complete\nabc: Pull complete\n');
  });
});

describe('blob sources for cross-repository mounts', () => {
  it('records where a blob is and names another repository of the same registry', async () => {
    const root = mkdtempSync(join(tmpdir(), 'blob-sources-'));
    try {
      await recordBlobSources(root, 'reg:5000/a/one', ['sha256:1', 'sha256:2']);
      await recordBlobSources(root, 'other:5000/b/two', ['sha256:1']);
      const sources = await readBlobSources(root);
      expect(mountSource(sources, 'sha256:1', 'reg:5000', 'c/three')).toBe('a/one');
      expect(mountSource(sources, 'sha256:1', 'reg:5000', 'a/one')).toBeUndefined();
      expect(mountSource(sources, 'sha256:2', 'other:5000', 'x/y')).toBeUndefined();
      expect(mountSource(sources, 'sha256:3', 'reg:5000', 'x/y')).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('registry mirrors from the config', () => {
  const config = (registryMirrors: unknown) => ({ pluginOptions: { images: { registryMirrors } } }) as never;
  it('keeps the origins, in order, and refuses what is not an http(s) URL without a path', () => {
    expect(registryMirrors(config(['https://mirror.example/', 'http://127.0.0.1:5000']))).toEqual(['https://mirror.example', 'http://127.0.0.1:5000']);
    expect(() => registryMirrors(config(['mirror.example']))).toThrow(/^Invalid registry mirror "mirror.example" in the config/);
    expect(() => registryMirrors(config(['https://mirror.example/v2/']))).toThrow(/without a path/);
    expect(registryMirrors({} as never)).toEqual([]);
  });
});
