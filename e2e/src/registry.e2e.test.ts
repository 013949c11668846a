import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Header } from 'tar';
import { MYDOCKER_BIN, Sandbox, waitFor } from './harness';
import { freePort, htpasswdLine, startRegistry as startLocalRegistry } from './local-services';

/**
 * Pull against a real registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1, filled by an
 * independent client (skopeo) from images mydocker saved; and the faults a registry can throw at a pull,
 * served by a tiny HTTP server in this process. Nothing here contacts any host but 127.0.0.1.
 */
const sandbox = new Sandbox('registry', { defaultNetwork: 'none' });
const env = { DOCKER_CONFIG: join(sandbox.dir, 'docker-config') };
const md = (args: string[]) => sandbox.run(args, { env });
const ok = (args: string[]) => sandbox.ok(args, { env });
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

const registries: ChildProcess[] = [];
let registryPort = 0;
let authPort = 0;
let fake: Server | undefined;
let fakePort = 0;
let closedPort = 0;
const tokenRequests: string[] = [];
let busyHits = 0;

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const skopeo = (...args: string[]) => sh('skopeo', ['--insecure-policy', ...args]);

/** A tar stream of plain files, with node-tar's header encoder. */
function tar(files: Array<{ path: string; body: string; mode?: number }>): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const body = Buffer.from(f.body);
    const h = Buffer.alloc(512);
    new Header({ path: f.path, type: 'File', size: body.length, mode: f.mode ?? 0o644, uid: 0, gid: 0, mtime: new Date(1_700_000_000_000) }).encode(h, 0);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** What the store holds: a failed pull must leave all of it as it was. */
function storeState(): string {
  const list = (dir: string) => {
    try {
      return readdirSync(dir).sort().join(',');
    } catch {
      return '';
    }
  };
  return [list(join(sandbox.root, 'images')), list(join(sandbox.root, 'layers')), list(join(sandbox.root, 'tmp'))].join(' | ');
}

/**
 * An OCI layout (from `mydocker save`) turned into a two-platform index: the host's image and an
 * "arm64" one that differs only in its config's architecture.
 */
function makeMultiPlatform(layout: string): void {
  const blob = (digest: string) => join(layout, 'blobs', 'sha256', digest.slice(7));
  const put = (data: string) => {
    const digest = `sha256:${sha(data)}`;
    writeFileSync(blob(digest), data);
    return { digest, size: Buffer.byteLength(data) };
  };
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const manifestDesc = index.manifests[0];
  const manifest = JSON.parse(readFileSync(blob(manifestDesc.digest), 'utf8'));
  const config = JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8'));
  const armConfig = put(JSON.stringify({ ...config, architecture: 'arm64', variant: 'v8' }));
  const armManifest = put(JSON.stringify({ ...manifest, config: { ...manifest.config, ...armConfig } }));
  const host = process.arch === 'x64' ? 'amd64' : process.arch;
  const list = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...armManifest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDesc.digest,
          size: manifestDesc.size,
          platform: { os: 'linux', architecture: host },
        },
      ],
    }),
  );
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...list, annotations: { 'org.opencontainers.image.ref.name': 'multi' } }],
    }),
  );
}

/** A layer of 512 KiB, so that half of it reaches the puller's file before the fault. */
function bigLayer(name: string): Buffer {
  let body = '';
  for (let i = 0; body.length < 512 * 1024; i++) body += `${name} line ${i}\n`;
  return tar([{ path: `${name}.txt`, body }]);
}

/** The fake registry's images: a good uncompressed one, and the broken ones. */
const appLayer = tar([{ path: 'hello.txt', body: 'hello from an uncompressed layer\n' }]);
/** `unpacked`: the tar the config's diff id names (another than the layer's for a damaged image). */
function fakeImage(layer: Buffer, served: Buffer, unpacked: Buffer = layer) {
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/bin'] },
    rootfs: { type: 'layers', diff_ids: [`sha256:${sha(unpacked)}`] },
  });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest: `sha256:${sha(layer)}`, size: layer.length }],
  });
  return { config, manifest, layer, served };
}

function startFake(): Promise<void> {
  // Registry images are untrusted: a layer that writes above its root must be refused whole.
  const evilLayer = tar([
    { path: 'fine.txt', body: 'fine\n' },
    { path: `../../../../../../../..${sandbox.dir}/escaped.txt`, body: 'escaped\n' },
  ]);
  const busyLayer = tar([{ path: 'busy.txt', body: 'served after a 429\n' }]);
  const tokenLayer = tar([{ path: 'token.txt', body: 'served only with a bearer token\n' }]);
  // Its own layer: one the store already has from good/app would not be downloaded at all.
  const badLayer = tar([{ path: 'bad.txt', body: 'these bytes are changed on the wire\n' }]);
  const corrupt = Buffer.from(badLayer);
  corrupt[600] ^= 0xff;
  const images: Record<string, ReturnType<typeof fakeImage>> = {
    'good/app': fakeImage(appLayer, appLayer),
    'bad/digest': fakeImage(badLayer, corrupt),
    'tokened/app': fakeImage(tokenLayer, tokenLayer),
    'cut/app': fakeImage(bigLayer('cut'), bigLayer('cut')),
    'evil/app': fakeImage(evilLayer, evilLayer),
    // The blob is what its digest says, but not the layer its config names: unpacked, then refused.
    'lying/app': fakeImage(
      tar([{ path: 'lie.txt', body: 'not the layer the config names\n' }]),
      tar([{ path: 'lie.txt', body: 'not the layer the config names\n' }]),
      tar([{ path: 'truth.txt', body: 'the named layer\n' }]),
    ),
    'busy/app': fakeImage(busyLayer, busyLayer),
    'stalled/app': fakeImage(bigLayer('stalled'), bigLayer('stalled')),
  };
  fake = createServer((req, res) => {
    const url = req.url ?? '';
    // A token service as Docker Hub's: anonymous tokens for the repository's pull scope only.
    if (url.startsWith('/token?')) {
      const q = new URL(url, 'http://x').searchParams;
      tokenRequests.push(`${q.get('service')} ${q.get('scope')}`);
      const good = q.get('service') === 'fake' && q.get('scope') === 'repository:tokened/app:pull';
      res.writeHead(good ? 200 : 403, { 'Content-Type': 'application/json' }).end(good ? JSON.stringify({ token: 'the-token', expires_in: 300 }) : '{}');
      return;
    }
    if (url.startsWith('/v2/tokened/') && req.headers.authorization !== 'Bearer the-token') {
      res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${fakePort}/token",service="fake",scope="repository:tokened/app:pull"` }).end();
      return;
    }
    if (url.startsWith('/v2/locked/')) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fake"' }).end();
      return;
    }
    if (url === '/v2/') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      return;
    }
    // Too many requests: busy/app once per manifest request in two, always-busy/app always.
    if (url.startsWith('/v2/always-busy/') || (url === '/v2/busy/app/manifests/v1' && busyHits++ % 2 === 0)) {
      res.writeHead(429, { 'Retry-After': '1' }).end();
      return;
    }
    if (url.startsWith('/v2/forbidden/')) {
      res.writeHead(403, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"DENIED"}]}');
      return;
    }
    if (url.startsWith('/v2/broken/')) {
      res.writeHead(500, 'Internal Server Error').end();
      return;
    }
    if (url === '/v2/huge/app/manifests/v1') {
      // Over the 4 MiB cap, and without a Content-Length, so the cap must hold while reading.
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Transfer-Encoding': 'chunked' });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      let sent = 0;
      const more = () => {
        while (sent < 6 && res.write(chunk)) sent++;
        if (sent >= 6) res.end();
        else res.once('drain', () => (sent++, more()));
      };
      res.on('error', () => undefined);
      more();
      return;
    }
    if (url === '/v2/old/schema1/manifests/v1') {
      res
        .writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' })
        .end(JSON.stringify({ schemaVersion: 1, name: 'old/schema1', tag: 'v1', fsLayers: [] }));
      return;
    }
    const m = /^\/v2\/([a-z]+\/[a-z]+)\/(manifests|blobs)\/(.+)$/.exec(url);
    const image = m && images[m[1]];
    if (!m || !image) {
      res.writeHead(404).end();
      return;
    }
    if (m[2] === 'manifests') {
      res.writeHead(200, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json' }).end(image.manifest);
    } else if (m[3] === `sha256:${sha(image.config)}`) {
      res.writeHead(200).end(image.config);
    } else if (m[3] === `sha256:${sha(image.layer)}` && m[1] === 'cut/app') {
      // The registry goes away mid-blob: half the bytes, then the connection is cut.
      res.writeHead(200, { 'Content-Length': String(image.served.length) });
      res.write(image.served.subarray(0, image.served.length >> 1), () => setTimeout(() => res.socket?.destroy(), 200));
    } else if (m[3] === `sha256:${sha(image.layer)}` && m[1] === 'stalled/app') {
      // Half the bytes, then nothing: the pull waits until it is killed.
      res.writeHead(200, { 'Content-Length': String(image.served.length) });
      res.write(image.served.subarray(0, image.served.length >> 1));
    } else if (m[3] === `sha256:${sha(image.layer)}`) {
      res.writeHead(200).end(image.served);
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => fake!.listen(0, '127.0.0.1', () => resolve()));
}

/** A docker-registry on 127.0.0.1 with its storage and config in the sandbox; `htpasswd` turns on Basic auth. */
async function startRegistry(name: string, htpasswd?: string, tls?: { cert: string; key: string; address: string }): Promise<number> {
  const { port, child } = await startLocalRegistry({ dir: sandbox.dir, name, htpasswd, tls, upStatuses: [htpasswd ? 401 : 200] });
  registries.push(child);
  return port;
}

beforeAll(async () => {
  closedPort = await freePort();
  registryPort = await startRegistry('registry');
  authPort = await startRegistry('auth-registry', htpasswdLine('alice', 's3cret'));
  await startFake();
  fakePort = (fake!.address() as { port: number }).port;

  // Fixtures: the default busybox image saved by mydocker, put into the registry by skopeo.
  const archive = join(sandbox.dir, 'busybox.tar');
  await ok(['save', '-o', archive, 'busybox']);
  skopeo('copy', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://127.0.0.1:${registryPort}/test/busybox:oci`);
  skopeo('copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://127.0.0.1:${registryPort}/test/busybox:docker`);
  const layout = join(sandbox.dir, 'layout');
  mkdirSync(layout);
  sh('tar', ['-xf', archive, '-C', layout]);
  makeMultiPlatform(layout);
  skopeo('copy', '--all', '--dest-tls-verify=false', `oci:${layout}:multi`, `docker://127.0.0.1:${registryPort}/test/multi:v1`);
  skopeo('copy', '--dest-tls-verify=false', '--dest-creds', 'alice:s3cret', `docker-archive:${archive}`, `docker://127.0.0.1:${authPort}/private/busybox:v1`);
  // A fresh store for the pulls: the busybox the fixtures were made from goes.
  await ok(['rmi', 'busybox']);
}, 180_000);

afterAll(async () => {
  for (const registry of registries) {
    if (registry.exitCode !== null || registry.signalCode !== null) continue;
    const exited = new Promise((r) => registry.once('exit', r));
    registry.kill('SIGTERM');
    await exited;
  }
  fake?.closeAllConnections();
  await new Promise((r) => (fake ? fake.close(r) : r(undefined)));
  expect(await sandbox.destroy()).toEqual([]);
});

describe('pull from a real registry', () => {
  it('pulls an OCI image that skopeo pushed, keeps its digests, and runs it', async () => {
    const ref = `127.0.0.1:${registryPort}/test/busybox:oci`;
    const out = await ok(['pull', ref]);
    expect(out).toMatch(/^oci: Pulling from test\/busybox$/m);
    expect(out).toMatch(/: Pull complete$/m);
    expect(out.trim().split('\n').pop()).toBe(ref);
    const remote = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${ref}`)) as { Digest: string };
    expect(out).toContain(`Digest: ${remote.Digest}`);
    const configDigest = JSON.parse(skopeo('inspect', '--tls-verify=false', '--raw', `docker://${ref}`)).config.digest as string;
    const [info] = JSON.parse(await ok(['image', 'inspect', ref]));
    expect(info.Id).toBe(configDigest);
    expect(info.RepoDigests).toEqual([`127.0.0.1:${registryPort}/test/busybox@${remote.Digest}`]);
    expect(await ok(['images', '--digests'])).toContain(remote.Digest);
    expect(await ok(['run', '--rm', ref, 'echo', 'pulled and running'])).toBe('pulled and running\n');
  });

  it('pulls a Docker schema 2 image by digest; a second pull of shared layers downloads nothing', async () => {
    const ref = `127.0.0.1:${registryPort}/test/busybox:docker`;
    const digest = (JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${ref}`)) as { Digest: string }).Digest;
    const byDigest = `127.0.0.1:${registryPort}/test/busybox@${digest}`;
    const out = await ok(['pull', byDigest]);
    expect(out).toMatch(/: Already exists$/m);
    expect(out).not.toMatch(/Pulling fs layer/);
    expect(await ok(['run', '--rm', byDigest, 'echo', 'by digest'])).toBe('by digest\n');
    expect(await ok(['pull', '-q', ref])).toBe(`${ref}\n`);
  });

  it('chooses the host platform from an index, or the one --platform names', async () => {
    const ref = `127.0.0.1:${registryPort}/test/multi:v1`;
    await ok(['pull', '-q', ref]);
    const host = process.arch === 'x64' ? 'amd64' : process.arch;
    expect(JSON.parse(await ok(['image', 'inspect', ref]))[0].Architecture).toBe(host);
    expect(await ok(['run', '--rm', ref, 'echo', 'multi'])).toBe('multi\n');
    await ok(['pull', '-q', '--platform', 'linux/arm64', ref]);
    expect(JSON.parse(await ok(['image', 'inspect', ref]))[0].Architecture).toBe('arm64');
    const r = await md(['pull', '--platform', 'linux/s390x', ref]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^Error: The image .* has no variant for linux\/s390x \(it has linux\/arm64\/v8, linux\/amd64\)\.\n$/);
    // run --platform: the stored arm64 variant is not the host's, so it is pulled again; then it is stored.
    const again = await md(['run', '--rm', '--platform', `linux/${host}`, ref, 'echo', 'host variant']);
    expect(again).toMatchObject({ code: 0, stdout: 'host variant\n' });
    expect(again.stderr).toMatch(/Pull complete|Already exists/);
    expect(JSON.parse(await ok(['image', 'inspect', ref]))[0].Architecture).toBe(host);
    const stored = await md(['run', '--rm', '--platform', `linux/${host}`, ref, 'true']);
    expect(stored).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await md(['run', '--rm', '--platform', 'linux', ref, 'true'])).stderr).toBe(
      'Error: Invalid platform "linux": use OS/ARCH[/VARIANT], such as linux/amd64.\n',
    );
  });

  it('run of a missing registry image pulls it first; tag names it again', async () => {
    const ref = `127.0.0.1:${fakePort}/good/app:v1`;
    // The fake registry's image is one uncompressed layer with no shell: read back through `image inspect`.
    const r = await md(['run', '--rm', ref, '/nothing']);
    expect(r.stderr).toMatch(/^Unable to find image '.*good\/app:v1' locally$/m);
    expect(r.stderr).toMatch(/Download complete/);
    expect(r.code).toBe(127);
    await ok(['tag', ref, 'renamed/app:v2']);
    const [info] = JSON.parse(await ok(['image', 'inspect', 'renamed/app:v2']));
    expect(info.RepoTags).toEqual(expect.arrayContaining([ref, 'renamed/app:v2']));
    const layer = join(sandbox.root, 'layers', info.RootFS.Layers[0].slice(7), 'diff', 'hello.txt');
    expect(readFileSync(layer, 'utf8')).toBe('hello from an uncompressed layer\n');
  });
});

describe('Bearer token auth', () => {
  it('answers the challenge with an anonymous token for the repository scope, asked once', async () => {
    const ref = `127.0.0.1:${fakePort}/tokened/app:v1`;
    await ok(['pull', ref]);
    expect(tokenRequests).toEqual(['fake repository:tokened/app:pull']);
    const [info] = JSON.parse(await ok(['image', 'inspect', ref]));
    const file = join(sandbox.root, 'layers', info.RootFS.Layers[0].slice(7), 'diff', 'token.txt');
    expect(readFileSync(file, 'utf8')).toBe('served only with a bearer token\n');
  });
});

describe('retries', () => {
  it('waits out a 429 with Retry-After and goes on', async () => {
    const ref = `127.0.0.1:${fakePort}/busy/app:v1`;
    const started = Date.now();
    await ok(['pull', '-q', ref]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(busyHits).toBe(2);
  });
});

describe('push', () => {
  it('pushes an image that skopeo then reads back digest for digest; pulled back, it runs', async () => {
    const ref = `127.0.0.1:${registryPort}/pushed/busybox:v1`;
    await ok(['tag', 'busybox', ref]);
    const [local] = JSON.parse(await ok(['image', 'inspect', ref]));
    const out = await ok(['push', ref]);
    expect(out).toMatch(new RegExp(`^The push refers to repository \\[127\\.0\\.0\\.1:${registryPort}/pushed/busybox\\]$`, 'm'));
    // Each blob is uploaded, or mounted from a repository of this registry an earlier pull found it in.
    expect(out).toMatch(/^[0-9a-f]{12}: (Pushed|Mounted from test\/\w+)$/m);
    const digest = /^v1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(out)?.[1];
    const remote = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${ref}`)) as { Digest: string };
    expect(remote.Digest).toBe(digest);
    // The layer packed again is the same tar, so the config (and the image id) is the local one.
    const raw = JSON.parse(skopeo('inspect', '--tls-verify=false', '--raw', `docker://${ref}`));
    expect(raw.config.digest).toBe(local.Id);
    // skopeo verifies every blob against its digest as it copies.
    skopeo('copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${join(sandbox.dir, 'pushed-layout')}:v1`);
    // A second push finds every blob there and uploads nothing.
    expect(await ok(['push', ref])).not.toMatch(/Pushed/);

    await ok(['rmi', ref]);
    expect((await md(['image', 'inspect', ref])).code).not.toBe(0);
    await ok(['pull', '-q', ref]);
    expect(await ok(['run', '--rm', ref, 'echo', 'round trip'])).toBe('round trip\n');
  });

  it('an image pulled, then pushed under another name, goes up byte for byte: same manifest digest, blobs mounted', async () => {
    const source = `127.0.0.1:${registryPort}/test/busybox:docker`;
    const copy = `127.0.0.1:${registryPort}/copies/busybox:v1`;
    const remote = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${source}`)) as { Digest: string };
    await ok(['pull', '-q', source]);
    await ok(['tag', source, copy]);
    const out = await ok(['push', copy]);
    expect(out).toContain(`v1: digest: ${remote.Digest} size:`);
    expect((JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${copy}`)) as { Digest: string }).Digest).toBe(remote.Digest);
    // The registry already holds every blob (under test/busybox): each is mounted or found, none uploaded again.
    expect(out).not.toMatch(/: Pushed$/m);
    expect(out).toMatch(/: Mounted from test\/busybox$/m);
    await ok(['rmi', copy]);
  });

  it('a push the registry refuses is one sentence, exit 125', async () => {
    const host = `127.0.0.1:${authPort}`;
    await ok(['tag', 'busybox', `${host}/mine/busybox:v1`]);
    const r = await md(['push', `${host}/mine/busybox:v1`]);
    expect(r.code).toBe(125);
    expect(r.stderr).toBe(`Error: The registry ${host} requires authentication for mine/busybox: log in with \`mydocker login ${host}\`.\n`);
    const missing = await md(['push', `${host}/mine/nothing:v1`]);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toMatch(/^Error: No such image: .*mine\/nothing:v1\.\n$/);
  });
});

describe('login and logout against a registry with Basic auth', () => {
  const file = () => join(env.DOCKER_CONFIG, 'config.json');

  it('refuses a pull without credentials, refuses wrong ones, stores right ones 0600 and pulls with them', async () => {
    const host = `127.0.0.1:${authPort}`;
    const ref = `${host}/private/busybox:v1`;
    const anonymous = await md(['pull', ref]);
    expect(anonymous.code).toBe(125);
    expect(anonymous.stderr).toBe(`Error: The registry ${host} requires authentication for private/busybox: log in with \`mydocker login ${host}\`.\n`);

    const wrong = await sandbox.run(['login', '-u', 'alice', '--password-stdin', host], { env, input: 'wrong\n' });
    expect(wrong.code).toBe(125);
    expect(wrong.stderr).toBe(`Error: The registry ${host} refused the credentials (401 Unauthorized).\n`);
    expect(() => statSync(file())).toThrow();

    expect(await sandbox.ok(['login', '-u', 'alice', '--password-stdin', host], { env, input: 's3cret\n' })).toBe('Login Succeeded\n');
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file(), 'utf8')).auths[host].auth).toBe(Buffer.from('alice:s3cret').toString('base64'));

    await ok(['pull', '-q', ref]);
    expect(await ok(['run', '--rm', ref, 'echo', 'private'])).toBe('private\n');
    await ok(['tag', ref, `${host}/private/again:v2`]);
    expect(await ok(['push', '-q', `${host}/private/again:v2`])).toBe(`${host}/private/again:v2\n`);

    expect(await ok(['logout', host])).toBe(`Removing login credentials for ${host}\n`);
    expect(JSON.parse(readFileSync(file(), 'utf8')).auths).toEqual({});
    expect(await ok(['logout', host])).toBe(`Not logged in to ${host}\n`);
  });
});

describe('a failed pull is one sentence, exit 125, and stores nothing', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    [
      'a blob whose bytes do not match its digest',
      () => `127.0.0.1:${fakePort}/bad/digest:v1`,
      /^Error: The registry sent a blob whose bytes do not match its digest sha256:[0-9a-f]{64}: nothing was stored\.\n$/,
    ],
    [
      '401 without credentials',
      () => `127.0.0.1:${fakePort}/locked/app:v1`,
      /^Error: The registry 127\.0\.0\.1:\d+ requires authentication for locked\/app: log in with `mydocker login 127\.0\.0\.1:\d+`\.\n$/,
    ],
    [
      '404 from the real registry',
      () => `127.0.0.1:${registryPort}/test/missing:v1`,
      /^Error: The manifest test\/missing:v1 was not found in the registry 127\.0\.0\.1:\d+ \(404\)\.\n$/,
    ],
    [
      'an unreachable registry',
      () => `127.0.0.1:${closedPort}/test/busybox:oci`,
      /^Error: Cannot reach the registry 127\.0\.0\.1:\d+: the connection was refused\.\n$/,
    ],
    [
      '403 from the registry',
      () => `127.0.0.1:${fakePort}/forbidden/app:v1`,
      /^Error: The registry 127\.0\.0\.1:\d+ denied access to forbidden\/app \(403 Forbidden\)\.\n$/,
    ],
    [
      '500 from the registry',
      () => `127.0.0.1:${fakePort}/broken/app:v1`,
      /^Error: The registry 127\.0\.0\.1:\d+ answered 500 Internal Server Error for the manifest broken\/app:v1\.\n$/,
    ],
    [
      'a manifest over the size cap',
      () => `127.0.0.1:${fakePort}/huge/app:v1`,
      /^Error: The registry sent a manifest larger than the limit of 4 MiB: refused\.\n$/,
    ],
    [
      'a schema 1 manifest',
      () => `127.0.0.1:${fakePort}/old/schema1:v1`,
      /^Error: The image uses the Docker schema 1 manifest format, which is deprecated and not supported: push it again with a current client\.\n$/,
    ],
    [
      '429 that does not end',
      () => `127.0.0.1:${fakePort}/always-busy/app:v1`,
      /^Error: The registry 127\.0\.0\.1:\d+ is limiting requests \(429 Too Many Requests\): try again later\.\n$/,
    ],
    ['a layer with a ../ path', () => `127.0.0.1:${fakePort}/evil/app:v1`, /^Error: The image's layer 1 cannot be extracted: [^\n]+\.\n$/],
    [
      'a layer that is not the one its config names',
      () => `127.0.0.1:${fakePort}/lying/app:v1`,
      /^Error: The image is damaged: its layer 1 does not match the diff id its config gives\.\n$/,
    ],
    ['an invalid reference', () => `127.0.0.1:${fakePort}/Bad/Name`, /^Error: Invalid reference format ".*": the repository name must be lowercase\.\n$/],
  ];
  it.each(cases)('%s', async (_label, ref, message) => {
    const before = storeState();
    const r = await md(['pull', ref()]);
    expect(r.stderr.replace(/^Using default tag: latest\n/, '')).toMatch(message);
    expect(r.code).toBe(125);
    expect(storeState()).toBe(before);
    expect(existsSync(join(sandbox.dir, 'escaped.txt'))).toBe(false);
  });

  it('the registry cut off mid-blob', async () => {
    const before = storeState();
    const r = await md(['pull', `127.0.0.1:${fakePort}/cut/app:v1`]);
    expect(r.stderr).toMatch(/^Error: The download of the blob sha256:[0-9a-f]{12} from 127\.0\.0\.1:\d+ failed: [^\n]+; nothing was stored\.\n$/);
    expect(r.code).toBe(125);
    expect(storeState()).toBe(before);
  });

  it('a pull killed mid-blob leaves only its scratch, which system prune removes once the pull is gone', async () => {
    const before = storeState();
    const tmp = join(sandbox.root, 'tmp');
    const child = spawn(MYDOCKER_BIN, ['pull', `127.0.0.1:${fakePort}/stalled/app:v1`], { env: { ...sandbox.env, ...env }, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    const partial = () => {
      for (const d of readdirSync(tmp).filter((n) => n.startsWith('pull-'))) {
        try {
          if (statSync(join(tmp, d, 'layer-0')).size > 0) return join(tmp, d);
        } catch {
          // not there yet
        }
      }
      return '';
    };
    const scratch = await waitFor(
      () => (existsSync(tmp) ? partial() : ''),
      (d) => d !== '',
      20_000,
    );
    expect(scratch).not.toBe('');
    // A running pull keeps its scratch through a prune.
    await ok(['system', 'prune']);
    expect(existsSync(scratch)).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect(await ok(['system', 'prune'])).toMatch(/1 unfinished load or save scratch directory/);
    expect(existsSync(scratch)).toBe(false);
    expect(storeState()).toBe(before);
  });

  it('run of an image whose blob is corrupt fails the same way and creates no container', async () => {
    const before = storeState();
    const r = await md(['run', '--rm', `127.0.0.1:${fakePort}/bad/digest:v1`, 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^Error: The registry sent a blob whose bytes do not match its digest/m);
    expect(storeState()).toBe(before);
    expect(await ok(['ps', '-a', '-q'])).toBe('');
  });
});

describe('HTTPS registries: the system CAs plus certs.d', () => {
  const certsDir = join(sandbox.dir, 'certs.d');
  const tlsEnv = { ...env, MYDOCKER_CERTS_DIR: certsDir };
  let host = '';

  beforeAll(async () => {
    // A name that is not a loopback literal, so mydocker speaks HTTPS to it, yet stays on this machine: the
    // host name, which /etc/hosts maps to a loopback address (127.0.0.1, or Debian's 127.0.1.1).
    const name = hostname();
    const addr = await lookup(name, { family: 4 }).catch(() => ({ address: '' }));
    if (!addr.address.startsWith('127.')) throw new Error(`this test needs the host name ${name} to resolve to a loopback address (/etc/hosts)`);
    const pki = join(sandbox.dir, 'pki');
    mkdirSync(pki);
    const f = (n: string) => join(pki, n);
    sh('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=mydocker test CA',
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.crt'),
    ]);
    sh('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', f('server.key'), '-out', f('server.csr')]);
    writeFileSync(f('ext.cnf'), `subjectAltName=DNS:${name}\n`);
    sh('openssl', [
      'x509',
      '-req',
      '-in',
      f('server.csr'),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      f('ext.cnf'),
      '-out',
      f('server.crt'),
    ]);
    const port = await startRegistry('tls-registry', undefined, { cert: f('server.crt'), key: f('server.key'), address: addr.address });
    host = `${name}:${port}`;
    skopeo('copy', '--dest-tls-verify=false', `docker-archive:${join(sandbox.dir, 'busybox.tar')}`, `docker://${host}/secure/busybox:v1`);
  }, 120_000);

  it('refuses a registry whose CA it does not know, in one sentence, storing nothing', async () => {
    const before = storeState();
    const r = await sandbox.run(['pull', `${host}/secure/busybox:v1`], { env: tlsEnv });
    expect(r.stderr).toMatch(
      new RegExp(`^Error: The certificate of the registry ${host} is not trusted \\([^\n]+\\): put its CA in ${certsDir}/${host}/ca\\.crt\\.\n$`),
    );
    expect(r.code).toBe(125);
    expect(storeState()).toBe(before);
  });

  it('trusts the CA put in certs.d/HOST:PORT/ca.crt, pulls over TLS and runs the image', async () => {
    mkdirSync(join(certsDir, host), { recursive: true });
    writeFileSync(join(certsDir, host, 'ca.crt'), readFileSync(join(sandbox.dir, 'pki', 'ca.crt')));
    const out = await sandbox.ok(['pull', `${host}/secure/busybox:v1`], { env: tlsEnv });
    expect(out.trim().split('\n').pop()).toBe(`${host}/secure/busybox:v1`);
    expect(await sandbox.ok(['run', '--rm', `${host}/secure/busybox:v1`, 'echo', 'over tls'], { env: tlsEnv })).toBe('over tls\n');
    await sandbox.ok(['rmi', `${host}/secure/busybox:v1`], { env: tlsEnv });
  });
});

describe('run --pull missing|always|never', () => {
  let ref = '';
  let offline = '';
  beforeAll(() => {
    ref = `127.0.0.1:${registryPort}/test/pullflag:v1`;
    offline = `127.0.0.1:${closedPort}/test/pullflag:v1`;
    skopeo('copy', '--dest-tls-verify=false', `docker-archive:${join(sandbox.dir, 'busybox.tar')}`, `docker://${ref}`);
  }, 60_000);

  it('never: a missing image is "No such image", exit 125, nothing pulled or created', async () => {
    const before = storeState();
    const r = await md(['run', '--rm', '--pull', 'never', ref, 'true']);
    expect(r.stderr).toBe(`Error: No such image: ${ref}.\n`);
    expect(r.code).toBe(125);
    expect(storeState()).toBe(before);
    expect(await ok(['ps', '-a', '-q'])).toBe('');
  });

  it('an unknown policy is refused in one sentence before anything is pulled', async () => {
    const before = storeState();
    const r = await md(['run', '--rm', '--pull', 'sometimes', ref, 'true']);
    expect(r.stderr).toBe('Error: Invalid pull option "sometimes": must be one of "always", "missing" or "never".\n');
    expect(r.code).toBe(125);
    expect(storeState()).toBe(before);
  });

  it('missing pulls once; then missing and never run the stored image without asking the registry', async () => {
    const first = await md(['run', '--rm', '--pull', 'missing', ref, 'echo', 'pulled']);
    expect(first.stderr).toMatch(/^Unable to find image '.*test\/pullflag:v1' locally$/m);
    expect(first.stdout).toBe('pulled\n');
    expect(first.code).toBe(0);
    await ok(['tag', ref, offline]);
    // The offline name's registry is a closed port: these runs would fail if they reached for it.
    for (const policy of ['missing', 'never']) {
      const r = await md(['run', '--rm', '--pull', policy, offline, 'echo', policy]);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: `${policy}\n`, stderr: '' });
    }
  });

  it('always asks the registry even for a stored image: up to date when it answers, exit 125 when it cannot', async () => {
    const r = await md(['run', '--rm', '--pull', 'always', ref, 'echo', 'fresh']);
    expect(r.stderr).toMatch(new RegExp(`^Status: Image is up to date for ${ref.replace(/[.]/g, '\\.')}$`, 'm'));
    expect(r.stdout).toBe('fresh\n');
    expect(r.code).toBe(0);
    const down = await md(['run', '--rm', '--pull', 'always', offline, 'echo', 'never printed']);
    expect(down.stderr).toMatch(/^Error: Cannot reach the registry 127\.0\.0\.1:\d+: the connection was refused\.\n$/);
    expect(down.code).toBe(125);
    expect(down.stdout).toBe('');
    expect(await ok(['ps', '-a', '-q'])).toBe('');
    await ok(['rmi', ref, offline]);
  });
});

describe('concurrent pulls of one image', () => {
  const blobGets = new Map<string, number>();
  let proxy: Server | undefined;
  let proxyPort = 0;

  beforeAll(async () => {
    // Two layers of their own (so that no earlier test has stored them), put in the registry by skopeo.
    const layout = join(sandbox.dir, 'concurrent-layout');
    mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
    const put = (data: Buffer | string) => {
      const digest = `sha256:${sha(data)}`;
      writeFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), data);
      return { digest, size: Buffer.byteLength(data) };
    };
    const layerBytes = [bigLayer('concurrent-one'), bigLayer('concurrent-two')];
    const layerDescs = layerBytes.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...put(l) }));
    const config = put(
      JSON.stringify({
        architecture: process.arch === 'x64' ? 'amd64' : process.arch,
        os: 'linux',
        config: {},
        rootfs: { type: 'layers', diff_ids: layerDescs.map((d) => d.digest) },
      }),
    );
    const manifest = put(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: layerDescs,
      }),
    );
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }],
      }),
    );
    skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://127.0.0.1:${registryPort}/test/concurrent:v1`);
    // A proxy in front of the real registry that counts blob GETs and holds each one for 1 s, so that
    // the two pulls' downloads would overlap if nothing kept them apart.
    proxy = createServer((req, res) => {
      const blob = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url ?? '');
      const forward = () => {
        const up = httpRequest({ host: '127.0.0.1', port: registryPort, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        });
        up.on('error', () => res.destroy());
        req.pipe(up);
      };
      if (blob && req.method === 'GET') {
        blobGets.set(blob[1], (blobGets.get(blob[1]) ?? 0) + 1);
        setTimeout(forward, 1000);
      } else forward();
    });
    await new Promise<void>((r) => proxy!.listen(0, '127.0.0.1', () => r()));
    proxyPort = (proxy.address() as { port: number }).port;
  }, 60_000);

  afterAll(async () => {
    proxy?.closeAllConnections();
    await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  });

  it('both succeed and each layer blob is downloaded once', async () => {
    const ref = `127.0.0.1:${proxyPort}/test/concurrent:v1`;
    const [a, b] = await Promise.all([md(['pull', ref]), md(['pull', ref])]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
    expect(a.stdout.trim().split('\n').pop()).toBe(ref);
    expect(b.stdout.trim().split('\n').pop()).toBe(ref);
    const [info] = JSON.parse(await ok(['image', 'inspect', ref]));
    expect(info.RepoTags).toContain(ref);
    // skopeo compressed the layers on the way in: the manifest it wrote names the blobs.
    const manifest = await fetch(`http://127.0.0.1:${registryPort}/v2/test/concurrent/manifests/v1`, {
      headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
    }).then((r) => r.json() as Promise<{ layers: Array<{ digest: string }> }>);
    const layerGets = manifest.layers.map((l) => blobGets.get(l.digest));
    expect(layerGets).toEqual([1, 1]);
    // One of them found both layers in the store once the other had stored them.
    expect([a.stdout, b.stdout].filter((o) => (o.match(/: Already exists$/gm) ?? []).length === 2)).toHaveLength(1);
    await ok(['rmi', ref]);
  });
});
