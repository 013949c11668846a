import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { createServer as netServer, connect as netConnect, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { Header } from 'tar';
import { MYDOCKER_BIN, Sandbox } from './harness';
import { freePort, startRegistry as startLocalRegistry } from './local-services';

/**
 * The registry protocol against the real parts: Debian's docker-registry (distribution 2.8) filled by
 * skopeo, with gzip and zstd layers; a token-auth registry (`auth.token`) with a token issuer in this
 * process that signs with a key made by openssl; Docker Hub mirrors; resume after a connection cut by a
 * TCP proxy; faults a fake registry serves; push with mounts and chunks read back by skopeo; progress
 * on a pipe and on a pty. Nothing here contacts any host but 127.0.0.1 (strace shows it for the mirror).
 */
const sandbox = new Sandbox('regproto', { defaultNetwork: 'none' });
const configFile = join(sandbox.dir, 'mydocker.json');
const env = { DOCKER_CONFIG: join(sandbox.dir, 'docker-config'), MYDOCKER_CONFIG: configFile };
const md = (args: string[]) => sandbox.run(args, { env });
const ok = (args: string[]) => sandbox.ok(args, { env });
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const arch = process.arch === 'x64' ? 'amd64' : process.arch;

const children: ChildProcess[] = [];
const servers: Array<Server | NetServer> = [];
let plainPort = 0;
let tokenRegistryPort = 0;
let issuerPort = 0;
let closedPort = 0;
let fakePort = 0;

function setConfig(images: Record<string, unknown>): void {
  writeFileSync(configFile, JSON.stringify({ pluginOptions: { images } }));
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A command run without blocking this process (its servers must go on answering meanwhile). */
function runAsync(cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...sandbox.env, ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

const skopeo = (...args: string[]) => sh('skopeo', ['--insecure-policy', ...args]);

/** skopeo against the token registry: its issuer answers from this process, which must not block meanwhile. */
async function skopeoAsync(...args: string[]): Promise<string> {
  const r = await runAsync('skopeo', ['--insecure-policy', ...args]);
  if (r.code !== 0) throw new Error(`skopeo ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

function tar(files: Array<{ path: string; body: Buffer | string }>): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const body = Buffer.from(f.body);
    const h = Buffer.alloc(512);
    new Header({ path: f.path, type: 'File', size: body.length, mode: 0o644, uid: 0, gid: 0, mtime: new Date(1_700_000_000_000) }).encode(h, 0);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

type Entry = { path: string; type?: 'File' | 'Directory' | 'SymbolicLink'; body?: Buffer | string; linkpath?: string; mode?: number };

/** A layer tar with directories, files and symlinks (the `tar` above holds files only). */
function layerTar(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? 'File';
    const body = type === 'File' ? Buffer.from(e.body ?? '') : Buffer.alloc(0);
    const h = Buffer.alloc(512);
    const mode = e.mode ?? (type === 'Directory' ? 0o755 : type === 'SymbolicLink' ? 0o777 : 0o644);
    new Header({ path: e.path, type, size: body.length, mode, uid: 0, gid: 0, linkpath: e.linkpath, mtime: new Date(1_700_000_000_000) }).encode(h, 0);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** An OCI layout of plain tar layers (skopeo compresses them on the way to the registry). */
function layout(name: string, layers: Buffer[], tag = 'v1'): string {
  const dir = join(sandbox.dir, `layout-${name}`);
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (data: Buffer | string) => {
    const digest = `sha256:${sha(data)}`;
    writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
    return { digest, size: Buffer.byteLength(data) };
  };
  const descs = layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...put(l) }));
  const config = put(
    JSON.stringify({ architecture: arch, os: 'linux', config: { Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: descs.map((d) => d.digest) } }),
  );
  const manifest = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: descs,
    }),
  );
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  return dir;
}

function layerOf(name: string, bytes = 4096, random = false): Buffer {
  return tar([{ path: `${name}.bin`, body: random ? randomBytes(bytes) : Buffer.alloc(bytes, name) }]);
}

/** The layer descriptors of a manifest in a registry, as skopeo reads them. */
function remoteManifest(ref: string): { config: { digest: string }; layers: Array<{ digest: string; mediaType: string; size: number }> } {
  return JSON.parse(skopeo('inspect', '--tls-verify=false', '--raw', `docker://${ref}`));
}

/** What the store holds, and mounts: a failed pull must leave all of it as it was. */
function storeState(): string {
  const list = (dir: string) => {
    try {
      return readdirSync(dir).sort().join(',');
    } catch {
      return '';
    }
  };
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(sandbox.dir)).length;
  return [
    list(join(sandbox.root, 'images')),
    list(join(sandbox.root, 'images', 'sha256')),
    list(join(sandbox.root, 'layers')),
    list(join(sandbox.root, 'tmp')),
    `mounts=${mounts}`,
  ].join(' | ');
}

async function startRegistry(name: string, extra: string[] = []): Promise<number> {
  const { port, child } = await startLocalRegistry({ dir: sandbox.dir, name, extra });
  children.push(child);
  return port;
}

function listen(server: Server | NetServer): Promise<number> {
  servers.push(server);
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
}

/** libtrust's key id, which distribution matches a token's `kid` against its rootcertbundle with. */
function libtrustKeyId(certPem: string): string {
  const der = createPublicKey(certPem).export({ type: 'spki', format: 'der' });
  const bytes = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let b32 = '';
  for (let i = 0; i + 5 <= bits.length; i += 5) b32 += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return b32.match(/.{4}/g)!.join(':');
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** The token issuer's log: who asked for which scopes. */
const tokenLog: Array<{ user: string; scopes: string[] }> = [];

async function startIssuer(keyPem: string, certPem: string): Promise<number> {
  const kid = libtrustKeyId(certPem);
  const key = createPrivateKey(keyPem);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/token') return void res.writeHead(404).end();
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    let user = '';
    if (basic) {
      if (Buffer.from(basic, 'base64').toString() !== 'alice:s3cret')
        return void res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"bad credentials"}');
      user = 'alice';
    }
    const scopes = url.searchParams.getAll('scope');
    tokenLog.push({ user: user || 'anonymous', scopes });
    // Anonymous users may pull public/*; alice may pull and push anything.
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = s.split(':');
      if (type !== 'repository') return [];
      const wanted = actions.split(',');
      const granted = user === 'alice' ? wanted : name.startsWith('public/') ? wanted.filter((a) => a === 'pull') : [];
      return granted.length ? [{ type, name, actions: granted }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
    const claims = b64url(
      JSON.stringify({
        iss: 'test-issuer',
        sub: user,
        aud: url.searchParams.get('service'),
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomBytes(8).toString('hex'),
        access,
      }),
    );
    const signature = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), key));
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  return listen(server);
}

/** An HTTP proxy in front of a registry that logs each request (method, path, Range, Content-Range). */
const proxyLog: string[] = [];
async function startLoggingProxy(target: () => number): Promise<number> {
  const server = createServer((req: IncomingMessage, res) => {
    proxyLog.push(`${req.method} ${req.url} ${req.headers['content-range'] ?? ''}`.trim());
    const up = httpRequest({ host: '127.0.0.1', port: target(), method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return listen(server);
}

/**
 * A TCP proxy that, once, cuts the connection that carries a GET of `cutDigest()` after 256 KiB of its
 * answer went through; it notes the Range headers of the requests for that blob.
 */
const rangesSeen: string[] = [];
let cutDone = false;
async function startCuttingProxy(target: () => number, cutDigest: () => string): Promise<number> {
  const server = netServer((client: Socket) => {
    const upstream = netConnect(target(), '127.0.0.1');
    let armed = false;
    let passed = 0;
    client.on('data', (d: Buffer) => {
      const text = d.toString('latin1');
      if (cutDigest() && text.includes(`/blobs/${cutDigest()}`) && text.startsWith('GET')) {
        rangesSeen.push(/\r\nrange: *([^\r]+)/i.exec(text)?.[1] ?? 'none');
        if (!cutDone) armed = true;
      }
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (armed && !cutDone) {
        passed += d.length;
        if (passed > 256 * 1024) {
          cutDone = true;
          client.write(d.subarray(0, d.length >> 1), () => {
            client.destroy();
            upstream.destroy();
          });
          return;
        }
      }
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  return listen(server);
}

/** A fake registry for the faults docker-registry does not make: truncated blobs, 429 on a blob, a slow layer. */
let blob429 = 0;
function fakeImage(layer: Buffer) {
  const config = JSON.stringify({ architecture: arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] } });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${sha(layer)}`, size: layer.length }],
  });
  return { config, manifest, layer };
}
const fakes = {
  'truncated/app': fakeImage(layerOf('truncated', 300_000, true)),
  'limited/app': fakeImage(layerOf('limited', 20_000, true)),
  'slow/app': fakeImage(layerOf('slow', 2_000_000, true)),
  'cut500/app': fakeImage(layerOf('cut500', 20_000, true)),
};
async function startFake(): Promise<number> {
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/') return void res.writeHead(200).end('{}');
    const m = /^\/v2\/([a-z0-9]+\/[a-z]+)\/(manifests|blobs)\/(.+)$/.exec(url);
    const image = m && fakes[m[1] as keyof typeof fakes];
    if (!m || !image) return void res.writeHead(404).end();
    if (m[2] === 'manifests') return void res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }).end(image.manifest);
    if (m[3] === `sha256:${sha(image.config)}`) return void res.writeHead(200).end(image.config);
    if (m[3] !== `sha256:${sha(image.layer)}`) return void res.writeHead(404).end();
    if (m[1] === 'truncated/app') {
      // Fewer bytes than the descriptor says, and a clean end: every time.
      const cut = image.layer.subarray(0, image.layer.length - 1000);
      return void res.writeHead(200, { 'Content-Length': String(cut.length) }).end(cut);
    }
    if (m[1] === 'cut500/app') return void res.writeHead(500, 'Internal Server Error').end();
    if (m[1] === 'limited/app' && blob429++ === 0) return void res.writeHead(429, { 'Retry-After': '1' }).end();
    if (m[1] === 'slow/app') {
      // Eight pieces a quarter second apart, so that a terminal sees the bar move.
      res.writeHead(200, { 'Content-Length': String(image.layer.length) });
      const piece = Math.ceil(image.layer.length / 8);
      let i = 0;
      const next = () => {
        if (i * piece >= image.layer.length) return void res.end();
        res.write(image.layer.subarray(i * piece, ++i * piece));
        setTimeout(next, 250);
      };
      return void next();
    }
    res.writeHead(200).end(image.layer);
  });
  return listen(server);
}

let cutPort = 0;
let cutTarget = '';
let proxyPort = 0;

beforeAll(async () => {
  setConfig({});
  closedPort = await freePort();
  plainPort = await startRegistry('plain');
  // Token auth: a key pair and self-signed certificate made with openssl; the registry trusts the certificate.
  const pki = join(sandbox.dir, 'pki');
  mkdirSync(pki);
  sh('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=mydocker token issuer',
    '-keyout',
    join(pki, 'issuer.key'),
    '-out',
    join(pki, 'issuer.crt'),
  ]);
  issuerPort = await startIssuer(readFileSync(join(pki, 'issuer.key'), 'utf8'), readFileSync(join(pki, 'issuer.crt'), 'utf8'));
  tokenRegistryPort = await startRegistry('token', [
    'auth:',
    '  token:',
    `    realm: http://127.0.0.1:${issuerPort}/token`,
    '    service: test-registry',
    '    issuer: test-issuer',
    `    rootcertbundle: ${join(pki, 'issuer.crt')}`,
  ]);
  fakePort = await startFake();
  cutPort = await startCuttingProxy(
    () => plainPort,
    () => cutTarget,
  );
  proxyPort = await startLoggingProxy(() => plainPort);
}, 120_000);

afterAll(async () => {
  // No pull or push left a scratch directory.
  expect(existsSync(join(sandbox.root, 'tmp')) ? readdirSync(join(sandbox.root, 'tmp')) : []).toEqual([]);
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  for (const s of servers) {
    (s as Server).closeAllConnections?.();
    await new Promise((r) => s.close(r));
  }
  expect(await sandbox.destroy()).toEqual([]);
});

describe('layers that delete files and layers full of symlinks', () => {
  it('applies whiteouts and opaque directories, keeps every symlink as a symlink, and runs the result', async () => {
    const applets = ['sh', 'ls', 'cat', 'readlink', 'wc'];
    const base = layerTar([
      { path: 'bin/', type: 'Directory' },
      { path: 'bin/busybox', body: readFileSync('/bin/busybox'), mode: 0o755 },
      ...applets.map((a) => ({ path: `bin/${a}`, type: 'SymbolicLink' as const, linkpath: 'busybox' })),
      { path: 'a/', type: 'Directory' },
      { path: 'a/keep', body: 'keep\n' },
      { path: 'a/gone', body: 'gone\n' },
      { path: 'b/', type: 'Directory' },
      { path: 'b/old', body: 'old\n' },
      { path: 'b/dir/', type: 'Directory' },
      { path: 'b/dir/x', body: 'x\n' },
    ]);
    const deleting = layerTar([
      { path: 'a/', type: 'Directory' },
      { path: 'a/.wh.gone', body: '' },
      { path: 'b/', type: 'Directory' },
      { path: 'b/.wh..wh..opq', body: '' },
      { path: 'b/new', body: 'new\n' },
    ]);
    const many = Array.from({ length: 300 }, (_, i) => ({ path: `links/r${i}`, type: 'SymbolicLink' as const, linkpath: '../a/keep' }));
    const symlinky = layerTar([
      { path: 'links/', type: 'Directory' },
      ...many,
      { path: 'links/abs', type: 'SymbolicLink', linkpath: '/etc/shadow' },
      { path: 'links/up', type: 'SymbolicLink', linkpath: '../../../../etc/shadow' },
      { path: 'links/loop1', type: 'SymbolicLink', linkpath: 'loop2' },
      { path: 'links/loop2', type: 'SymbolicLink', linkpath: 'loop1' },
      { path: 'links/etc', type: 'SymbolicLink', linkpath: '/etc' },
    ]);
    const src = layout('layered', [base, deleting, symlinky]);
    const ref = `127.0.0.1:${plainPort}/test/layered:v1`;
    skopeo('copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${ref}`);
    await ok(['pull', '-q', ref]);
    const out = await ok([
      'run',
      '--rm',
      ref,
      'sh',
      '-c',
      'ls /a; ls /b; cat /links/r7; readlink /links/abs; readlink /links/up; readlink /links/etc; ls /links | wc -l',
    ]);
    expect(out).toBe('keep\nnew\nkeep\n/etc/shadow\n../../../../etc/shadow\n/etc\n305\n');
    // On the host the layer holds the symlinks themselves, pointing where the archive said, never followed.
    const [info] = JSON.parse(await ok(['image', 'inspect', ref]));
    const links = join(sandbox.root, 'layers', info.RootFS.Layers[2].slice(7), 'diff', 'links');
    expect(lstatSync(join(links, 'abs')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(links, 'abs'))).toBe('/etc/shadow');
    expect(readdirSync(links)).toHaveLength(305);
    await ok(['rmi', ref]);
  });
});

describe('layer compressions', () => {
  it('pulls zstd layers (skopeo --dest-compress-format zstd) and gzip ones, and runs what they hold', async () => {
    const src = layout('zstd', [layerOf('zstd-one', 100_000, true), tar([{ path: 'etc/zstd.txt', body: 'from a zstd layer\n' }])]);
    const zref = `127.0.0.1:${plainPort}/test/zstd:v1`;
    skopeo('copy', '--dest-tls-verify=false', '--dest-compress-format', 'zstd', `oci:${src}:v1`, `docker://${zref}`);
    const remote = remoteManifest(zref);
    expect(remote.layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.oci.image.layer.v1.tar+zstd']);
    const out = await ok(['pull', zref]);
    expect(out.trim().split('\n').pop()).toBe(zref);
    const [info] = JSON.parse(await ok(['image', 'inspect', zref]));
    expect(info.Id).toBe(remote.config.digest);
    const file = join(sandbox.root, 'layers', info.RootFS.Layers[1].slice(7), 'diff', 'etc', 'zstd.txt');
    expect(readFileSync(file, 'utf8')).toBe('from a zstd layer\n');

    // Other layers for gzip: skopeo's blob cache would otherwise send the zstd blobs it knows again.
    const gsrc = layout('gzip', [layerOf('gzip-one', 100_000, true), tar([{ path: 'etc/gzip.txt', body: 'from a gzip layer\n' }])]);
    const gref = `127.0.0.1:${plainPort}/test/gzip:v1`;
    skopeo('copy', '--dest-tls-verify=false', '--dest-compress-format', 'gzip', `oci:${gsrc}:v1`, `docker://${gref}`);
    expect(remoteManifest(gref).layers.map((l) => l.mediaType)).toEqual([
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar+gzip',
    ]);
    await ok(['pull', '-q', gref]);
    const [ginfo] = JSON.parse(await ok(['image', 'inspect', gref]));
    expect(readFileSync(join(sandbox.root, 'layers', ginfo.RootFS.Layers[1].slice(7), 'diff', 'etc', 'gzip.txt'), 'utf8')).toBe('from a gzip layer\n');
    await ok(['rmi', zref, gref]);
  });
});

describe('a zstd layer keeps its blob', () => {
  it('stores the zstd blob as the registry sent it (images --digests, save, push), and runs the image', async () => {
    const base = layerTar([
      { path: 'bin/', type: 'Directory' },
      { path: 'bin/busybox', body: readFileSync('/bin/busybox'), mode: 0o755 },
      ...['sh', 'cat'].map((a) => ({ path: `bin/${a}`, type: 'SymbolicLink' as const, linkpath: 'busybox' })),
    ]);
    const src = layout('zstd-run', [base, tar([{ path: 'etc/zrun.txt', body: 'ran from a zstd layer\n' }])]);
    const ref = `127.0.0.1:${plainPort}/test/zstd-run:v1`;
    skopeo('copy', '--dest-tls-verify=false', '--dest-compress-format', 'zstd', `oci:${src}:v1`, `docker://${ref}`);
    const remote = remoteManifest(ref);
    expect(remote.layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.oci.image.layer.v1.tar+zstd']);
    const digest = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${ref}`)).Digest as string;
    await ok(['pull', '-q', ref]);

    // The store keeps each layer blob as it came: zstd bytes whose sha256 is the manifest's digest.
    for (const l of remote.layers) {
      const blob = readFileSync(join(sandbox.root, 'images', 'sha256', l.digest.slice(7)));
      expect(blob.subarray(0, 4).toString('hex')).toBe('28b52ffd');
      expect(`sha256:${sha(blob)}`).toBe(l.digest);
      expect(blob.length).toBe(l.size);
    }
    const listed = (await ok(['images', '--digests'])).split('\n').find((line) => line.startsWith(`127.0.0.1:${plainPort}/test/zstd-run `));
    expect(listed?.split(/\s+/).slice(1, 3)).toEqual(['v1', digest]);
    expect(await ok(['run', '--rm', '--net', 'none', ref, 'cat', '/etc/zrun.txt'])).toBe('ran from a zstd layer\n');

    // save: the same blobs and the same manifest digest in the archive.
    const archive = join(sandbox.dir, 'zstd-run.tar');
    await ok(['save', '-o', archive, ref]);
    const index = JSON.parse(sh('tar', ['-xOf', archive, 'index.json']));
    expect(index.manifests.map((m: { digest: string }) => m.digest)).toEqual([digest]);
    for (const l of remote.layers) {
      const saved = spawnSync('tar', ['-xOf', archive, `blobs/sha256/${l.digest.slice(7)}`], { maxBuffer: 1 << 26 });
      expect(saved.status).toBe(0);
      expect(`sha256:${sha(saved.stdout)}`).toBe(l.digest);
    }

    // push to another repository: skopeo reads back the same layers, and the same manifest digest.
    const copy = `127.0.0.1:${plainPort}/test/zstd-copy:v1`;
    await ok(['tag', ref, copy]);
    await ok(['push', '-q', copy]);
    expect(remoteManifest(copy).layers).toEqual(remote.layers);
    expect(JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${copy}`)).Digest).toBe(digest);
    await ok(['rmi', ref, copy]);
  });
});

describe('blobs', () => {
  it('resumes with Range after the connection drops mid-blob', async () => {
    const src = layout('cut', [layerOf('cut-big', 2_000_000, true)]);
    const ref = `127.0.0.1:${plainPort}/test/cut:v1`;
    skopeo('copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${ref}`);
    const layer = remoteManifest(ref).layers[0];
    cutTarget = layer.digest;
    const viaProxy = `127.0.0.1:${cutPort}/test/cut:v1`;
    const out = await ok(['pull', viaProxy]);
    expect(cutDone).toBe(true);
    // The first GET had no Range; the one after the cut asked for the bytes it lacked, from past the start.
    expect(rangesSeen[0]).toBe('none');
    const resumed = /^bytes=(\d+)-$/.exec(rangesSeen[1] ?? '');
    expect(resumed).not.toBeNull();
    expect(Number(resumed![1])).toBeGreaterThan(0);
    expect(Number(resumed![1])).toBeLessThan(layer.size);
    expect(out).toMatch(/: Pull complete$/m);
    const [info] = JSON.parse(await ok(['image', 'inspect', viaProxy]));
    expect(info.Id).toBe(remoteManifest(ref).config.digest);
    await ok(['rmi', viaProxy]);
  });

  it('downloads at most three layers at once', async () => {
    const src = layout(
      'five',
      [1, 2, 3, 4, 5].map((i) => layerOf(`five-${i}`, 50_000, true)),
    );
    const ref = `127.0.0.1:${plainPort}/test/five:v1`;
    skopeo('copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${ref}`);
    const out = await ok(['pull', ref]);
    // Docker's words for the layers past the first three: they wait for a download slot.
    const waiting = out.match(/: Waiting$/gm) ?? [];
    expect(waiting).toHaveLength(2);
    await ok(['rmi', ref]);
  });

  it('waits out a 429 with Retry-After on a blob and goes on', async () => {
    const ref = `127.0.0.1:${fakePort}/limited/app:v1`;
    const out = await ok(['pull', ref]);
    expect(blob429).toBe(2);
    expect(out.trim().split('\n').pop()).toBe(ref);
    await ok(['rmi', ref]);
  });

  const faults: Array<[string, () => string, RegExp]> = [
    [
      'a truncated layer',
      () => `127.0.0.1:${fakePort}/truncated/app:v1`,
      /^Error: The download of the blob sha256:[0-9a-f]{12} from 127\.0\.0\.1:\d+ failed: the connection closed after \d+ of \d+ bytes; nothing was stored\.\n$/,
    ],
    [
      '500 on a blob',
      () => `127.0.0.1:${fakePort}/cut500/app:v1`,
      /^Error: The registry 127\.0\.0\.1:\d+ answered 500 Internal Server Error for the blob sha256:[0-9a-f]{12}\.\n$/,
    ],
    [
      '404 of a repository',
      () => `127.0.0.1:${plainPort}/test/none:v1`,
      /^Error: The manifest test\/none:v1 was not found in the registry 127\.0\.0\.1:\d+ \(404\)\.\n$/,
    ],
    [
      '401 from a token registry, anonymous',
      () => `127.0.0.1:${tokenRegistryPort}/private/app:v1`,
      /^Error: The registry 127\.0\.0\.1:\d+ requires authentication for private\/app: log in with `mydocker login 127\.0\.0\.1:\d+`\.\n$/,
    ],
  ];
  it.each(faults)('%s: one sentence, exit 125, no image, blob, scratch or mount left', async (_label, ref, message) => {
    const before = storeState();
    const r = await md(['pull', '-q', ref()]);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(125);
    expect(storeState()).toBe(before);
  });
});

describe('token auth (auth.token with an issuer in the harness)', () => {
  beforeAll(async () => {
    const src = layout(
      'tokened',
      [1, 2, 3].map((i) => layerOf(`tokened-${i}`, 20_000, true)),
    );
    await skopeoAsync(
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      'alice:s3cret',
      `oci:${src}:v1`,
      `docker://127.0.0.1:${tokenRegistryPort}/public/app:v1`,
    );
    await skopeoAsync(
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      'alice:s3cret',
      `oci:${src}:v1`,
      `docker://127.0.0.1:${tokenRegistryPort}/private/app:v1`,
    );
  }, 60_000);

  it('pulls anonymously with one token for the repository scope, kept for the whole pull', async () => {
    tokenLog.length = 0;
    const ref = `127.0.0.1:${tokenRegistryPort}/public/app:v1`;
    const out = await ok(['pull', ref]);
    expect(out).toMatch(/: Pull complete$/m);
    expect(tokenLog).toEqual([{ user: 'anonymous', scopes: ['repository:public/app:pull'] }]);
    await ok(['rmi', ref]);
  });

  it('with credentials from login: private pull and push, scoped per repository', async () => {
    const host = `127.0.0.1:${tokenRegistryPort}`;
    const bad = await sandbox.run(['login', '-u', 'alice', '--password-stdin', host], { env, input: 'wrong\n' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(await sandbox.ok(['login', '-u', 'alice', '--password-stdin', host], { env, input: 's3cret\n' })).toBe('Login Succeeded\n');
    tokenLog.length = 0;
    const ref = `${host}/private/app:v1`;
    await ok(['pull', '-q', ref]);
    expect(tokenLog).toEqual([{ user: 'alice', scopes: ['repository:private/app:pull'] }]);
    tokenLog.length = 0;
    await ok(['tag', ref, `${host}/private/copy:v2`]);
    expect(await ok(['push', '-q', `${host}/private/copy:v2`])).toBe(`${host}/private/copy:v2\n`);
    expect(
      tokenLog.every((t) => t.user === 'alice' && t.scopes.every((s) => s.startsWith('repository:private/copy:') || s === 'repository:private/app:pull')),
    ).toBe(true);
    expect(tokenLog.some((t) => t.scopes.includes('repository:private/copy:pull,push'))).toBe(true);
    const read = JSON.parse(await skopeoAsync('inspect', '--tls-verify=false', '--creds', 'alice:s3cret', '--raw', `docker://${host}/private/copy:v2`));
    expect(read.layers).toHaveLength(3);
    await ok(['logout', host]);
    await ok(['rmi', ref, `${host}/private/copy:v2`]);
  });
});

describe('Docker Hub mirrors (pluginOptions.images.registryMirrors)', () => {
  beforeAll(() => {
    const src = layout('mirrored', [layerOf('mirrored', 10_000, true)]);
    skopeo('copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://127.0.0.1:${plainPort}/library/mirrored:v1`);
  }, 60_000);

  it('pulls a docker.io/library image from the mirror, passing over a dead one, and never contacts anything else', async () => {
    setConfig({ registryMirrors: [`http://127.0.0.1:${closedPort}`, `http://127.0.0.1:${plainPort}`] });
    const trace = join(sandbox.dir, 'mirror.strace');
    const r = await runAsync('strace', ['-f', '-qq', '-e', 'trace=connect', '-o', trace, MYDOCKER_BIN, 'pull', 'mirrored:v1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toBe('docker.io/library/mirrored:v1');
    // Every network connection the pull made went to one of the two mirrors: no DNS, no Docker Hub.
    const inet = readFileSync(trace, 'utf8')
      .split('\n')
      .filter((l) => /AF_INET6?/.test(l));
    const targets = new Set(
      inet.map((l) => `${/inet_addr\("([^"]+)"\)/.exec(l)?.[1] ?? /inet_pton\(AF_INET6, "([^"]+)"/.exec(l)?.[1]}:${/htons\((\d+)\)/.exec(l)?.[1]}`),
    );
    expect([...targets].sort()).toEqual([`127.0.0.1:${closedPort}`, `127.0.0.1:${plainPort}`].sort());
    expect(await ok(['run', '--rm', '--pull', 'never', 'mirrored:v1', '/nothing']).catch((e: Error) => e.message)).toMatch(/exited 127/);
    await ok(['rmi', 'mirrored:v1']);
  });

  /**
   * mydocker as the user runs it, but in a mount namespace whose /etc/resolv.conf names only 127.0.0.1 (where
   * no DNS server listens): a look-up of docker.io fails at once and no packet leaves this machine.
   */
  const noDns = (args: string[]) => {
    const conf = join(sandbox.dir, 'resolv.conf');
    writeFileSync(conf, 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n');
    const script = 'mount --bind "$0" /etc/resolv.conf && exec "$@"';
    return runAsync('unshare', ['-m', 'sh', '-c', script, conf, MYDOCKER_BIN, ...args]);
  };

  it('falls back to Docker Hub when the mirror lacks the image (unreachable from here: one sentence, 125)', async () => {
    setConfig({ registryMirrors: [`http://127.0.0.1:${plainPort}`] });
    const before = storeState();
    const r = await noDns(['pull', 'notmirrored:v1']);
    expect(r.stderr).toMatch(/^Error: Cannot reach the registry docker\.io: [^\n]+\.\n$/);
    expect(r.code).toBe(125);
    expect(storeState()).toBe(before);
    setConfig({ registryMirrors: ['ftp://mirror.example'] });
    const bad = await md(['pull', 'mirrored:v1']);
    expect(bad.stderr).toBe('Error: Invalid registry mirror "ftp://mirror.example" in the config: use a URL such as https://mirror.example, without a path.\n');
    expect(bad.code).toBe(125);
    setConfig({});
  });

  it('run of a missing Docker Hub name pulls it through the mirrors; without mirrors nothing is asked of the network', async () => {
    setConfig({ registryMirrors: [`http://127.0.0.1:${plainPort}`] });
    const r = await noDns(['run', '--rm', 'mirrored:v1', '/nothing']);
    expect(r.stderr).toMatch(/^Unable to find image 'mirrored:v1' locally\n/);
    expect(r.code).toBe(127);
    expect(JSON.parse(await ok(['image', 'inspect', 'mirrored:v1']))).toHaveLength(1);
    await ok(['rmi', 'mirrored:v1']);
    setConfig({});
    const before = storeState();
    const none = await noDns(['run', '--rm', 'mirrored:v1', '/nothing']);
    expect(none.code).toBe(125);
    expect(none.stderr).toMatch(/^Error: Unable to find image 'mirrored:v1' locally/);
    expect(storeState()).toBe(before);
  });
});

describe('push', () => {
  it('checks, uploads in chunks over the chunk size, mounts across repositories, manifest last; skopeo reads it back', async () => {
    const src = layout('pushsrc', [layerOf('push-big', 400_000, true), layerOf('push-small', 2_000, true)]);
    const origin = `127.0.0.1:${plainPort}/test/pushsrc:v1`;
    skopeo('copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${origin}`);
    await ok(['pull', '-q', origin]);
    setConfig({ pushChunkSize: 128 * 1024 });
    const first = `127.0.0.1:${proxyPort}/pushed/one:v1`;
    await ok(['tag', origin, first]);
    proxyLog.length = 0;
    const out = await ok(['push', first]);
    const digest = /^v1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(out)?.[1];
    const manifest = remoteManifest(`127.0.0.1:${plainPort}/pushed/one:v1`);
    const big = manifest.layers.find((l) => l.size > 128 * 1024)!;
    const small = manifest.layers.find((l) => l.size <= 128 * 1024)!;
    // The big layer in PATCHes with Content-Range, the small one in a single PUT; the manifest last.
    const patches = proxyLog.filter((l) => l.startsWith('PATCH '));
    expect(patches.length).toBe(Math.ceil(big.size / (128 * 1024)));
    expect(patches[0]).toMatch(/ 0-131071$/);
    expect(proxyLog.some((l) => l.startsWith('PUT ') && l.includes(`digest=${encodeURIComponent(small.digest)}`))).toBe(true);
    expect(proxyLog.filter((l) => l.startsWith('HEAD ')).length).toBe(3);
    expect(proxyLog[proxyLog.length - 1]).toMatch(/^PUT \/v2\/pushed\/one\/manifests\/v1$/);
    const inspected = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://127.0.0.1:${plainPort}/pushed/one:v1`)) as { Digest: string };
    expect(inspected.Digest).toBe(digest);
    skopeo('copy', '--src-tls-verify=false', `docker://127.0.0.1:${plainPort}/pushed/one:v1`, `oci:${join(sandbox.dir, 'readback')}:v1`);

    // The same image to another repository of the registry: mounted, not sent again.
    const second = `127.0.0.1:${proxyPort}/pushed/two:v1`;
    await ok(['tag', origin, second]);
    proxyLog.length = 0;
    const out2 = await ok(['push', second]);
    expect(out2.match(/: Mounted from pushed\/one$/gm)).toHaveLength(3);
    expect(proxyLog.filter((l) => l.startsWith('PATCH ') || (l.startsWith('PUT ') && l.includes('/blobs/')))).toEqual([]);
    expect(proxyLog.filter((l) => l.includes('mount=')).length).toBe(3);
    const two = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://127.0.0.1:${plainPort}/pushed/two:v1`)) as { Digest: string };
    expect(two.Digest).toBe(digest);
    setConfig({});
    await ok(['rmi', origin, first, second]);
  });
});

describe('pull -a, -q and progress', () => {
  let four = '';
  beforeAll(() => {
    const src = layout('tags', [layerOf('tags-a', 1000)]);
    skopeo('copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://127.0.0.1:${plainPort}/test/tags:one`);
    skopeo('copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://127.0.0.1:${plainPort}/test/tags:two`);
    const f = layout(
      'four',
      [1, 2, 3, 4].map((i) => layerOf(`four-${i}`, 30_000, true)),
    );
    four = `127.0.0.1:${plainPort}/test/four:v1`;
    skopeo('copy', '--dest-tls-verify=false', `oci:${f}:v1`, `docker://${four}`);
  }, 60_000);

  it('pull -a stores every tag; with a tag it is refused', async () => {
    const repo = `127.0.0.1:${plainPort}/test/tags`;
    const out = await ok(['pull', '-a', repo]);
    expect(out).toMatch(/^one: Pulling from test\/tags$/m);
    expect(out).toMatch(/^two: Pulling from test\/tags$/m);
    expect(out.trim().split('\n').pop()).toBe(repo);
    const listed = await ok(['images']);
    for (const tag of ['one', 'two']) expect(listed).toMatch(new RegExp(`^${repo.replace(/[.]/g, '\\.')} +${tag} `, 'm'));
    const r = await md(['pull', '-a', `${repo}:one`]);
    expect(r.stderr).toBe(`Error: Cannot pull "${repo}:one" with --all-tags: give a repository without a tag or digest.\n`);
    expect(r.code).toBe(125);
    expect(await ok(['pull', '-q', `${repo}:one`])).toBe(`${repo}:one\n`);
    await ok(['rmi', `${repo}:one`, `${repo}:two`]);
  });

  it('not on a terminal: one plain line per step, in Docker words', async () => {
    const ids = remoteManifest(four).layers.map((l) => l.digest.slice(7, 19));
    const digest = (JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${four}`)) as { Digest: string }).Digest;
    const lines = (await ok(['pull', four])).split('\n');
    expect(lines.slice(0, 6)).toEqual(['v1: Pulling from test/four', ...ids.map((id) => `${id}: Pulling fs layer`), `${ids[3]}: Waiting`]);
    const middle = lines.slice(6, 14);
    for (const id of ids) expect(middle.filter((l) => l.startsWith(`${id}: `))).toEqual([`${id}: Verifying Checksum`, `${id}: Download complete`]);
    expect(lines.slice(14)).toEqual([...ids.map((id) => `${id}: Pull complete`), `Digest: ${digest}`, `Status: Downloaded newer image for ${four}`, four, '']);
    await ok(['rmi', four]);
  });

  it('on a terminal (a pty from script): live bars per layer drawn with escape codes', async () => {
    const ref = `127.0.0.1:${fakePort}/slow/app:v1`;
    const cmd = `${MYDOCKER_BIN} pull ${ref}`;
    const r = await runAsync('script', ['-qec', cmd, '/dev/null']);
    expect(r.code).toBe(0);
    const screen = r.stdout;
    expect(screen).toContain('\x1b[');
    // A frame mid-download, as Docker draws it: a bar with its head, then bytes so far of the total.
    expect(screen).toMatch(/[0-9a-f]{12}: Downloading \[=+> +\] +[\d.]+[kM]B\/2(\.\d+)?MB/);
    expect(screen).toMatch(/[0-9a-f]{12}: Pull complete/);
    expect(screen.trim().split(/\r?\n/).pop()).toBe(ref);
    await ok(['rmi', ref]);
  });
});
