/**
 * The pieces of a one-pass pull: the extractor's queued file writes (file-writes.ts), the feed that
 * hands a blob's bytes to the extractor as they download (layer-feed.ts), and blobToFile's tap.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { FileWrites, QUEUED_BYTES_MAX, SYNC_WRITE_MAX } from '../layer/file-writes';
import { extractLayer } from '../layer/tar-extract';
import { FEED_BUFFER, FEED_CHUNK, FeedAbandoned, LayerFeed } from '../layer-feed';
import { RegistryClient } from '../registry-client';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'streaming-pull-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const isOpen = (fd: number) => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

describe('FileWrites', () => {
  it('writes a small chunk at once and queues big ones in order, finishing a file after its last byte', async () => {
    const writes = new FileWrites();
    const file = join(dir, 'f');
    const fd = openSync(file, 'w');
    writes.opened(fd);
    writes.write(fd, Buffer.from('small;'));
    expect(readFileSync(file, 'utf8')).toBe('small;'); // no trip through the thread pool
    const big = Buffer.alloc(SYNC_WRITE_MAX * 2, 'b');
    writes.write(fd, big);
    // Once a file has queued bytes, even a small chunk waits its turn behind them.
    writes.write(fd, Buffer.from(';tail'));
    let sizeAtFinish = -1;
    writes.close(fd, () => {
      sizeAtFinish = fstatSync(fd).size;
      closeSync(fd);
    });
    expect(sizeAtFinish).toBe(-1);
    await writes.drain();
    expect(sizeAtFinish).toBe(6 + big.length + 5);
    expect(readFileSync(file, 'utf8')).toBe(`small;${big.toString()};tail`);
  });

  it('finishes a file with nothing queued at once, and its error reaches the caller', () => {
    const writes = new FileWrites();
    const fd = openSync(join(dir, 'f'), 'w');
    writes.opened(fd);
    let finished = false;
    writes.close(fd, () => {
      finished = true;
      closeSync(fd);
    });
    expect(finished).toBe(true);
    expect(() =>
      writes.close(fd, () => {
        throw new Error('fchown failed');
      }),
    ).toThrow('fchown failed');
  });

  it('asks for a pause beyond its queue limit and gives room once the writes land', async () => {
    const writes = new FileWrites();
    const fd = openSync(join(dir, 'f'), 'w');
    writes.opened(fd);
    const chunk = Buffer.alloc(1 << 20);
    let room = true;
    for (let i = 0; i <= QUEUED_BYTES_MAX / chunk.length; i++) room = writes.write(fd, chunk);
    expect(room).toBe(false);
    expect(writes.hasRoom()).toBe(false);
    await writes.room();
    expect(writes.hasRoom()).toBe(true);
    writes.close(fd, () => closeSync(fd));
    await writes.drain();
  });

  it('keeps the first failure, skips what follows and closes the fds of unfinished files', async () => {
    const errors: Error[] = [];
    const writes = new FileWrites((e) => errors.push(e));
    const readOnly = openSync(join(dir, 'ro'), 'w+');
    closeSync(readOnly);
    const bad = openSync(join(dir, 'ro'), 'r'); // writing to it fails with EBADF
    const other = openSync(join(dir, 'other'), 'w');
    writes.opened(bad);
    writes.opened(other);
    writes.write(bad, Buffer.alloc(SYNC_WRITE_MAX));
    writes.write(other, Buffer.alloc(SYNC_WRITE_MAX));
    let finished = false;
    writes.close(bad, () => (finished = true));
    await writes.drain();
    expect(errors).toHaveLength(1);
    expect((writes.failure as NodeJS.ErrnoException).code).toBe('EBADF');
    expect(finished).toBe(false);
    expect(isOpen(bad)).toBe(false);
    expect(isOpen(other)).toBe(false);
    // After drain nothing touches an fd again (its number may belong to someone else by now).
    const reused = openSync(join(dir, 'later'), 'w');
    writes.close(reused, () => closeSync(reused));
    expect(isOpen(reused)).toBe(true);
    closeSync(reused);
  });
});

/** A tar of one regular file. */
function tarOf(name: string, body: Buffer): Buffer {
  const h = Buffer.alloc(512);
  new Header({ path: name, type: 'File', size: body.length, mode: 0o644, uid: 0, gid: 0, mtime: new Date(1_700_000_000_000) }).encode(h, 0);
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512), Buffer.alloc(1024)]);
}

describe('extraction with queued writes', () => {
  function entry(path: string, body: Buffer, extra: Partial<{ type: string; linkpath: string; mode: number }> = {}): Buffer {
    const h = Buffer.alloc(512);
    const type = extra.type ?? 'File';
    const size = type === 'File' ? body.length : 0;
    new Header({
      path,
      type: type as never,
      linkpath: extra.linkpath,
      size,
      mode: extra.mode ?? 0o644,
      uid: 0,
      gid: 0,
      mtime: new Date(1_700_000_000_000),
    }).encode(h, 0);
    return size ? Buffer.concat([h, body, Buffer.alloc((512 - (size % 512)) % 512)]) : h;
  }

  it('writes every byte of big and small files in place, links and replacements as the archive orders them', async () => {
    const big = Buffer.alloc(QUEUED_BYTES_MAX + (3 << 20));
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i, i);
    const tar = Buffer.concat([
      entry('big.bin', big, { mode: 0o4755 }),
      ...Array.from({ length: 50 }, (_, i) => entry(`small/${i}.txt`, Buffer.from(`small ${i}\n`))),
      entry('link.bin', Buffer.alloc(0), { type: 'Link', linkpath: 'big.bin' }),
      entry('again.bin', big.subarray(0, 1 << 20)),
      entry('again.bin', Buffer.from('replaced\n')),
      Buffer.alloc(1024),
    ]);
    const target = join(dir, 'layer');
    const { digest } = await extractLayer(Readable.from([tar.subarray(0, 700_000), tar.subarray(700_000)]), target);
    expect(`sha256:${digest}`).toBe(digestOf(tar));
    expect(readFileSync(join(target, 'big.bin')).equals(big)).toBe(true);
    expect(statSync(join(target, 'big.bin')).mode & 0o7777).toBe(0o4755); // set after the last write
    expect(statSync(join(target, 'link.bin')).ino).toBe(statSync(join(target, 'big.bin')).ino);
    for (let i = 0; i < 50; i++) expect(readFileSync(join(target, 'small', `${i}.txt`), 'utf8')).toBe(`small ${i}\n`);
    expect(readFileSync(join(target, 'again.bin'), 'utf8')).toBe('replaced\n');
  });
});

describe('LayerFeed', () => {
  it('lets the extractor finish only once the download says the blob verified', async () => {
    const body = Buffer.alloc(3 << 20, 'x');
    const tar = tarOf('data.bin', body);
    const feed = new LayerFeed();
    const target = join(dir, 'layer');
    let settled = false;
    const extraction = extractLayer(feed.stream, target).finally(() => (settled = true));
    for (let off = 0; off < tar.length; off += 100_000) await feed.tap.write(tar.subarray(off, off + 100_000));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false); // the whole tar is in, but the blob is not verified yet
    feed.end();
    const { digest } = await extraction;
    expect(`sha256:${digest}`).toBe(digestOf(tar));
    expect(readFileSync(join(target, 'data.bin')).equals(body)).toBe(true);
  });

  it('stops the extractor with the download error, and with FeedAbandoned when the download starts again', async () => {
    const failed = new LayerFeed();
    const one = extractLayer(failed.stream, join(dir, 'a'));
    await failed.tap.write(tarOf('x', Buffer.from('x')).subarray(0, 512));
    failed.fail(new Error('the connection was reset'));
    await expect(one).rejects.toThrow('the connection was reset');

    const retried = new LayerFeed();
    const two = extractLayer(retried.stream, join(dir, 'b'));
    await retried.tap.write(tarOf('x', Buffer.from('x')).subarray(0, 512));
    retried.tap.abandon();
    await expect(two).rejects.toBeInstanceOf(FeedAbandoned);
    expect(retried.abandoned).toBe(true);
    expect(retried.tap.write(Buffer.from('more'))).toBeUndefined(); // dropped, never waited for
  });

  it('fills its gathering buffers again once gunzip has read them, and every byte still lands in place', async () => {
    // Incompressible bytes (as the bench's layers), so the gzip is as big as the tar: many 1 MiB chunks.
    const body = randomBytes(32 << 20);
    const tar = tarOf('data.bin', body);
    const gz = gzipSync(tar, { level: 0 });
    const feed = new LayerFeed();
    const target = join(dir, 'layer');
    const extraction = extractLayer(feed.stream, target);
    // As from the network: a turn of the event loop between chunks, so gunzip reads as they come.
    for (let off = 0; off < gz.length; off += 65_536) {
      await feed.tap.write(gz.subarray(off, off + 65_536));
      await new Promise((r) => setImmediate(r));
    }
    feed.end();
    const { digest } = await extraction;
    expect(`sha256:${digest}`).toBe(digestOf(tar));
    expect(readFileSync(join(target, 'data.bin')).equals(body)).toBe(true);
    expect(feed.counts.made + feed.counts.reused).toBe(Math.ceil(gz.length / (1 << 20)));
    // A buffer is made only when none is free: never more than were out at once (lent to the stream, plus
    // the one being filled), however long the layer. How many are out at once depends on how far gunzip
    // lags (the stream's two FEED_BUFFER sides, the pipes into zlib): bounded by those sides and a few.
    expect(feed.counts.made).toBeLessThanOrEqual(feed.counts.peakLent + 1);
    expect(feed.counts.peakLent).toBeLessThanOrEqual((2 * FEED_BUFFER) / FEED_CHUNK + 10);
    expect(feed.counts.reused).toBeGreaterThan(0);
  });

  it('makes new gathering buffers for a plain tar, whose bytes the extractor keeps', async () => {
    const body = Buffer.alloc(4 << 20, 'p');
    const tar = tarOf('data.bin', body);
    const feed = new LayerFeed();
    const target = join(dir, 'layer');
    const extraction = extractLayer(feed.stream, target);
    for (let off = 0; off < tar.length; off += 65_536) await feed.tap.write(tar.subarray(off, off + 65_536));
    feed.end();
    const { digest } = await extraction;
    expect(`sha256:${digest}`).toBe(digestOf(tar));
    expect(readFileSync(join(target, 'data.bin')).equals(body)).toBe(true);
    expect(feed.counts.reused).toBe(0);
  });

  it('never holds the download back once the extractor stopped', async () => {
    const feed = new LayerFeed();
    feed.stop();
    expect(feed.tap.write(Buffer.alloc(16 << 20))).toBeUndefined();
  });
});

describe('blobToFile with a tap', () => {
  const blob = Buffer.from('0123456789'.repeat(50_000));

  it('hands the tap every byte in order, beside the file', async () => {
    const fake = (async () => new Response(blob, { status: 200 })) as unknown as typeof fetch;
    const client = new RegistryClient({ domain: '127.0.0.1:1', path: 'a/b' }, { fetch: fake });
    const seen: Buffer[] = [];
    let abandoned = false;
    await client.blobToFile(digestOf(blob), blob.length, join(dir, 'blob'), undefined, {
      write: (c) => void seen.push(Buffer.from(c)),
      abandon: () => (abandoned = true),
    });
    expect(Buffer.concat(seen).equals(blob)).toBe(true);
    expect(readFileSync(join(dir, 'blob')).equals(blob)).toBe(true);
    expect(abandoned).toBe(false);
  });

  it('abandons the tap before a resume and gives it nothing more', async () => {
    let calls = 0;
    const fake = (async (_url: string, init: RequestInit) => {
      if (calls++ === 0) {
        let sent = false;
        return new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              if (!sent) {
                sent = true;
                controller.enqueue(new Uint8Array(blob.subarray(0, 4000)));
                return;
              }
              await new Promise((r) => setTimeout(r, 50));
              controller.error(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
            },
          }),
          { status: 200 },
        );
      }
      const from = Number(/bytes=(\d+)-/.exec((init.headers as Record<string, string>).Range ?? 'bytes=0-')![1]);
      return new Response(blob.subarray(from), { status: 206, headers: { 'Content-Range': `bytes ${from}-${blob.length - 1}/${blob.length}` } });
    }) as unknown as typeof fetch;
    const client = new RegistryClient({ domain: '127.0.0.1:1', path: 'a/b' }, { fetch: fake });
    const feed = new LayerFeed();
    const got: Buffer[] = [];
    feed.stream.on('data', (c: Buffer) => got.push(c));
    const ended = new Promise<unknown>((resolve) => feed.stream.on('error', resolve));
    await client.blobToFile(digestOf(blob), blob.length, join(dir, 'blob'), undefined, feed.tap);
    expect(feed.abandoned).toBe(true);
    expect(await ended).toBeInstanceOf(FeedAbandoned);
    expect(Buffer.concat(got).length).toBeLessThanOrEqual(4000);
    expect(readFileSync(join(dir, 'blob')).equals(blob)).toBe(true);
  });
});

describe('blob bodies over plain HTTP (node:http, not fetch)', () => {
  const blob = Buffer.alloc(3 << 20, 'h');
  let server: import('node:http').Server;
  let port = 0;
  const seen: Array<{ path: string; auth?: string; range?: string }> = [];
  let mode: 'ok' | 'redirect' | 'cut' = 'ok';
  beforeAll(async () => {
    const http = await import('node:http');
    server = http.createServer((req, res) => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization, range: req.headers.range });
      if (req.url === '/v2/') return void res.writeHead(200).end('{}');
      if (mode === 'redirect' && !req.url?.startsWith('/elsewhere')) return void res.writeHead(307, { Location: '/elsewhere/blob' }).end();
      const from = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
      if (mode === 'cut' && from === 0) {
        res.writeHead(200, { 'Content-Length': String(blob.length) });
        res.write(blob.subarray(0, 1 << 20), () => setTimeout(() => res.socket?.destroy(), 50));
        return;
      }
      res.writeHead(from ? 206 : 200, {
        'Content-Length': String(blob.length - from),
        ...(from ? { 'Content-Range': `bytes ${from}-${blob.length - 1}/${blob.length}` } : {}),
      });
      res.end(blob.subarray(from));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as import('node:net').AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => (seen.length = 0));

  it('reads a 200 straight, and a redirect through fetch', async () => {
    for (const m of ['ok', 'redirect'] as const) {
      mode = m;
      const client = new RegistryClient({ domain: `127.0.0.1:${port}`, path: 'a/b' });
      await client.blobToFile(digestOf(blob), blob.length, join(dir, m));
      expect(readFileSync(join(dir, m)).equals(blob)).toBe(true);
    }
    // ok: one GET; redirect: the node:http GET, then fetch's GET and the GET it was redirected to.
    expect(seen.map((s) => s.path.replace(/sha256:[0-9a-f]+/, 'D'))).toEqual(['/v2/a/b/blobs/D', '/v2/a/b/blobs/D', '/v2/a/b/blobs/D', '/elsewhere/blob']);
  });

  it('resumes with Range after the connection is cut mid-body', async () => {
    mode = 'cut';
    const client = new RegistryClient({ domain: `127.0.0.1:${port}`, path: 'a/b' });
    await client.blobToFile(digestOf(blob), blob.length, join(dir, 'cut'));
    expect(readFileSync(join(dir, 'cut')).equals(blob)).toBe(true);
    expect(seen[0].range).toBeUndefined();
    expect(Number(/bytes=(\d+)-/.exec(seen[1]?.range ?? '')?.[1])).toBeGreaterThan(0);
  });
});
