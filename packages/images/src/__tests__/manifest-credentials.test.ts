import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialsFor, removeCredentials, saveCredentials } from '../credentials';
import { isIndex, pickFromIndex, readImageManifest } from '../manifest';
import { MEDIA } from '../registry-client';
import { parseRegistryHost } from '../reference';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const fetched = (body: unknown, mediaType = '') => ({ raw: Buffer.from(JSON.stringify(body)), digest: digest('0'), mediaType });

describe('manifests', () => {
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.dockerManifest,
    config: { digest: digest('a'), size: 10 },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: digest('b'), size: 20 }],
  };

  it('reads an image manifest, by its mediaType field or the Content-Type', () => {
    expect(readImageManifest(fetched(manifest)).layers[0].digest).toBe(digest('b'));
    const { mediaType: _dropped, ...bare } = manifest;
    expect(readImageManifest(fetched(bare, MEDIA.ociManifest)).config.size).toBe(10);
    expect(isIndex(fetched(manifest))).toBe(false);
  });

  it('accepts zstd layers, OCI and Docker spellings', () => {
    for (const mediaType of ['application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.docker.image.rootfs.diff.tar.zstd']) {
      expect(readImageManifest(fetched({ ...manifest, layers: [{ ...manifest.layers[0], mediaType }] })).layers[0].mediaType).toBe(mediaType);
    }
  });

  it('refuses schema 1, unknown layer and manifest types and bad descriptors with one sentence', () => {
    expect(() => readImageManifest(fetched({ schemaVersion: 1, fsLayers: [] }))).toThrow(/schema 1 manifest format.*not supported/);
    expect(() =>
      readImageManifest(fetched({ ...manifest, layers: [{ ...manifest.layers[0], mediaType: 'application/vnd.oci.image.layer.v1.tar+lz4' }] })),
    ).toThrow(/layer of the unsupported type/);
    expect(() => readImageManifest(fetched({ ...manifest, mediaType: 'application/vnd.example+json' }))).toThrow(/unsupported type/);
    expect(() => readImageManifest(fetched({ ...manifest, layers: [{ digest: 'sha256:zz', size: 1 }] }))).toThrow(/invalid layer descriptor/);
    expect(() => readImageManifest({ raw: Buffer.from('not json'), digest: digest('0'), mediaType: '' })).toThrow(/not JSON/);
  });

  it('picks the platform from an index and names what it has when it cannot', () => {
    const index = fetched({
      schemaVersion: 2,
      mediaType: MEDIA.ociIndex,
      manifests: [
        { digest: digest('1'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { digest: digest('2'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
        { digest: digest('3'), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
      ],
    });
    expect(isIndex(index)).toBe(true);
    expect(pickFromIndex(index, { os: 'linux', architecture: 'amd64' }, 'x').digest).toBe(digest('2'));
    expect(() => pickFromIndex(index, { os: 'linux', architecture: 'riscv64' }, 'x:1')).toThrow(
      'The image x:1 has no variant for linux/riscv64 (it has linux/arm64/v8, linux/amd64).',
    );
  });
});

describe('credentials file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mydocker-creds-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores base64 user:pass under the host, 0600, keeping what else the file holds', async () => {
    const file = join(dir, 'sub', 'config.json');
    await saveCredentials('127.0.0.1:5000', { username: 'u', password: 'p:w' }, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), credsStore: 'keep-me' }));
    await saveCredentials('docker.io', { username: 'hub', password: 'x' }, file);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.credsStore).toBe('keep-me');
    expect(saved.auths['127.0.0.1:5000'].auth).toBe(Buffer.from('u:p:w').toString('base64'));
    expect(Object.keys(saved.auths)).toContain('https://index.docker.io/v1/');
    expect(await credentialsFor('127.0.0.1:5000', file)).toEqual({ username: 'u', password: 'p:w' });
    expect(await credentialsFor('docker.io', file)).toEqual({ username: 'hub', password: 'x' });
    expect(await removeCredentials('127.0.0.1:5000', file)).toBe(true);
    expect(await removeCredentials('127.0.0.1:5000', file)).toBe(false);
    expect(await credentialsFor('127.0.0.1:5000', file)).toBeUndefined();
  });

  it('refuses a file that is not JSON rather than overwriting it', async () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, '{ broken');
    await expect(saveCredentials('h', { username: 'u', password: 'p' }, file)).rejects.toThrow(
      `The credentials file ${file} is not valid JSON: fix or remove it.`,
    );
    expect(readFileSync(file, 'utf8')).toBe('{ broken');
    expect(await credentialsFor('h', file)).toBeUndefined();
  });

  it('takes login hosts as Docker does', () => {
    expect(parseRegistryHost('https://index.docker.io/v1/')).toBe('docker.io');
    expect(parseRegistryHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(parseRegistryHost('http://localhost:5000/')).toBe('localhost:5000');
    expect(() => parseRegistryHost('not a host')).toThrow('Invalid registry "not a host": give HOST or HOST:PORT.');
  });
});
