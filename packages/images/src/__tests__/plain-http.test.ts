/**
 * plain-http.ts: a plain-HTTP registry's small answers read with node:http; anything but a 200 (or a
 * failed connection) is left to the fetch path, and a body over the cap is refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { plainGet } from '../plain-http';
import { RegistryClient } from '../registry-client';

let server: Server;
let base: string;
const seen: Array<{ url: string; auth?: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    if (req.url === '/ok') return res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    if (req.url === '/big') return res.writeHead(200).end(Buffer.alloc(2048));
    if (req.url === '/big-chunked') {
      res.writeHead(200);
      res.write(Buffer.alloc(1024));
      setTimeout(() => res.end(Buffer.alloc(1024)), 10);
      return;
    }
    if (req.url === '/v2/') return res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
    if (req.url === '/busy') return res.writeHead(429, { 'retry-after': '1' }).end('slow down');
    res.writeHead(404).end('not here');
    return;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const tooBig = () => new Error('too big');

test('a 200 is read whole, with its headers', async () => {
  const got = await plainGet(new URL(`${base}/ok`), { Accept: 'x' }, 1024, tooBig);
  expect(got?.body.toString()).toBe('hello');
  expect(got?.headers['content-type']).toBe('text/plain');
});

test('anything but a 200 is undefined (the fetch path asks again), as is a refused connection', async () => {
  expect(await plainGet(new URL(`${base}/missing`), {}, 1024, tooBig)).toBeUndefined();
  expect(await plainGet(new URL(`${base}/v2/`), {}, 1024, tooBig)).toBeUndefined();
  expect(await plainGet(new URL('http://127.0.0.1:1/x'), {}, 1024, tooBig)).toBeUndefined();
});

test('an answer that is not taken goes through beforeAgain first, with its status and headers (a 429 is waited for there)', async () => {
  const told: Array<[number, string | string[] | undefined]> = [];
  const got = await plainGet(new URL(`${base}/busy`), {}, 1024, tooBig, async (status, headers) => void told.push([status, headers['retry-after']]));
  expect(got).toBeUndefined();
  expect(told).toEqual([[429, '1']]);
  const failing = plainGet(new URL(`${base}/busy`), {}, 1024, tooBig, async () => {
    throw new Error('gave up');
  });
  await expect(failing).rejects.toThrow('gave up');
});

test('a body over the cap is refused, declared or read', async () => {
  await expect(plainGet(new URL(`${base}/big`), {}, 1024, tooBig)).rejects.toThrow('too big');
  await expect(plainGet(new URL(`${base}/big-chunked`), {}, 1500, tooBig)).rejects.toThrow('too big');
});

test('a client with its own fetch never takes the node:http path', async () => {
  seen.length = 0;
  const calls: string[] = [];
  const client = new RegistryClient({ domain: base.slice(7), path: 'x', tag: 'v' } as ConstructorParameters<typeof RegistryClient>[0], {
    insecure: [base.slice(7)],
    fetch: (async (u: string | URL) => (calls.push(String(u)), new Response('{}', { status: 200 }))) as typeof fetch,
  });
  await client.ping();
  expect(calls).toEqual([`${base}/v2/`]);
  expect(seen).toEqual([]);
});
