import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { printable, type Reference } from './reference';
import { RegistryClient, RegistryError, type ClientOptions, type RequestBody } from './registry-client';

/** A blob to upload: in memory (a config) or in a scratch file (a packed layer). */
export interface UploadSource {
  digest: string;
  size: number;
  bytes?: Buffer;
  file?: string;
}

const webStream = (file: string, start?: number, end?: number) => Readable.toWeb(createReadStream(file, { start, end })) as unknown as RequestBody;

/**
 * The push side: blobs checked with HEAD, mounted from another repository of the registry when one is
 * known to have them, otherwise uploaded whole (POST then PUT) or, over the chunk size, in chunks
 * (PATCH with Content-Range); the manifest last.
 */
export class PushClient extends RegistryClient {
  constructor(ref: Reference, options: ClientOptions = {}) {
    super(ref, options);
    this.scope = `repository:${ref.path}:pull,push`;
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.request(`/v2/${this.ref.path}/blobs/${digest}`, { method: 'HEAD' });
    await res.body?.cancel();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw this.pushFailure(res, `checking the blob ${digest.slice(0, 19)}`);
  }

  /**
   * `POST …/blobs/uploads/?mount=DIGEST&from=REPO`: 201 when the registry linked the blob it has in
   * `from` (nothing is sent); otherwise the upload session it opened instead (202), for the bytes.
   * The token asked for covers pull on `from` as well.
   */
  async mountBlob(digest: string, from: string): Promise<{ mounted: true } | { mounted: false; location: URL }> {
    const path = `/v2/${this.ref.path}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
    const res = await this.request(path, { method: 'POST', headers: { 'Content-Length': '0' } }, `${this.scope} repository:${from}:pull`);
    await res.body?.cancel();
    if (res.status === 201) return { mounted: true };
    if (res.status !== 202) throw this.pushFailure(res, `mounting the blob ${digest.slice(0, 19)}`);
    return { mounted: false, location: this.location(res) };
  }

  private location(res: Response): URL {
    const location = res.headers.get('location');
    if (!location) throw new RegistryError(`The registry ${printable(this.host)} opened an upload without a Location.`);
    const url = new URL(location, this.base);
    if (url.origin !== new URL(this.base).origin)
      throw new RegistryError(`The registry ${printable(this.host)} sent an upload Location on another host (${printable(url.host)}): refused.`);
    return url;
  }

  async startUpload(): Promise<URL> {
    const start = await this.request(`/v2/${this.ref.path}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
    await start.body?.cancel();
    if (start.status !== 202) throw this.pushFailure(start, 'starting an upload');
    return this.location(start);
  }

  /**
   * The blob's bytes into an open upload session: one PUT with `?digest=` when it is at most
   * `chunkSize` (monolithic), else PATCHes of `chunkSize` bytes with `Content-Range: start-end`, each
   * answer's Location the next one's address, and an empty PUT with `?digest=` that closes it.
   */
  async uploadBlob(blob: UploadSource, chunkSize: number, location?: URL, onBytes?: (n: number) => void): Promise<void> {
    let url = location ?? (await this.startUpload());
    const short = blob.digest.slice(0, 19);
    if (blob.file && blob.size > chunkSize) {
      for (let start = 0; start < blob.size; start += chunkSize) {
        const end = Math.min(blob.size, start + chunkSize) - 1;
        const res = await this.request(url.toString(), {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(end - start + 1), 'Content-Range': `${start}-${end}` },
          makeBody: () => webStream(blob.file!, start, end),
        });
        await res.body?.cancel();
        if (res.status !== 202) throw this.pushFailure(res, `uploading bytes ${start}-${end} of the blob ${short}`);
        url = this.location(res);
        onBytes?.(end - start + 1);
      }
      url.searchParams.set('digest', blob.digest);
      const put = await this.request(url.toString(), { method: 'PUT', headers: { 'Content-Length': '0' } });
      await put.body?.cancel();
      if (put.status !== 201) throw this.pushFailure(put, `closing the upload of the blob ${short}`);
      return;
    }
    url.searchParams.set('digest', blob.digest);
    const put = await this.request(url.toString(), {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) },
      makeBody: () => (blob.bytes ? blob.bytes : webStream(blob.file!)),
    });
    await put.body?.cancel();
    if (put.status !== 201) throw this.pushFailure(put, `uploading the blob ${short}`);
    onBytes?.(blob.size);
  }

  async putManifest(tag: string, mediaType: string, body: Buffer): Promise<void> {
    const res = await this.request(`/v2/${this.ref.path}/manifests/${encodeURIComponent(tag)}`, {
      method: 'PUT',
      headers: { 'Content-Type': mediaType },
      body,
    });
    const text = await res.text().catch(() => '');
    if (res.status !== 201) {
      const code = /"code"\s*:\s*"([A-Z_]+)"/.exec(text)?.[1];
      throw new RegistryError(`The registry ${printable(this.host)} refused the manifest (${res.status}${code ? ` ${code}` : ''}).`);
    }
  }

  pushFailure(res: Response, what: string): RegistryError {
    if (res.status === 403) return new RegistryError(`The registry ${printable(this.host)} denied pushing to ${printable(this.ref.path)} (403 Forbidden).`);
    if (res.status === 404 || res.status === 405)
      return new RegistryError(`The registry ${printable(this.host)} does not accept pushes to ${printable(this.ref.path)} (${res.status}).`);
    return new RegistryError(`The registry ${printable(this.host)} answered ${res.status} ${printable(res.statusText)} when ${what}.`);
  }
}
