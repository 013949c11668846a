import { printable, type Reference } from './reference';
import { RegistryClient, RegistryError, type ClientOptions, type RequestBody } from './registry-client';

/** The push side: blobs checked with HEAD, uploaded whole (POST then PUT), the manifest last. */
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

  /** A monolithic upload: POST opens a session, one PUT with `?digest=` sends the bytes and closes it. */
  async uploadBlob(digest: string, size: number, makeBody: () => RequestBody): Promise<void> {
    const start = await this.request(`/v2/${this.ref.path}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
    await start.body?.cancel();
    if (start.status !== 202) throw this.pushFailure(start, `starting the upload of ${digest.slice(0, 19)}`);
    const location = start.headers.get('location');
    if (!location) throw new RegistryError(`The registry ${printable(this.host)} opened an upload without a Location.`);
    const url = new URL(location, this.base);
    if (url.origin !== new URL(this.base).origin) throw new RegistryError(`The registry ${printable(this.host)} sent an upload Location on another host (${printable(url.host)}): refused.`);
    url.searchParams.set('digest', digest);
    const put = await this.request(url.toString(), {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
      makeBody,
    });
    await put.body?.cancel();
    if (put.status !== 201) throw this.pushFailure(put, `uploading the blob ${digest.slice(0, 19)}`);
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

  private pushFailure(res: Response, what: string): RegistryError {
    if (res.status === 403) return new RegistryError(`The registry ${printable(this.host)} denied pushing to ${printable(this.ref.path)} (403 Forbidden).`);
    if (res.status === 404 || res.status === 405) return new RegistryError(`The registry ${printable(this.host)} does not accept pushes to ${printable(this.ref.path)} (${res.status}).`);
    return new RegistryError(`The registry ${printable(this.host)} answered ${res.status} ${printable(res.statusText)} when ${what}.`);
  }
}
