import { PassThrough } from 'node:stream';
import type { BlobTap } from './registry-client';

/** Bytes a download may run ahead of the extractor reading them. */
export const FEED_BUFFER = 8 << 20;
/**
 * The network hands over ~64 KiB at a time; gunzip answers each write with about as much, and the
 * tar parser, the hash and the file writes then pay their per-chunk cost 16 times per MiB (a pull
 * made 4,360 write(2)s of 29 KiB on average). Chunks are gathered to 1 MiB first: one copy, far
 * fewer trips.
 */
export const FEED_CHUNK = 1 << 20;

/** Raised into the extractor when the download had to start again: what it read is not the blob. */
export class FeedAbandoned extends Error {
  constructor() {
    super('the download started again');
  }
}

/**
 * A layer blob's bytes handed to the extractor as they download (`stream`), so that a pull reads
 * each blob once, from the network, instead of writing it, then reading it back to extract it.
 * The download writes through `tap` and waits when the extractor is FEED_BUFFER behind.
 *
 * The stream ends (`end()`) only once the download is verified, so the extractor cannot finish on
 * bytes that do not match the digest; a failed download destroys it (`fail`). When the download
 * starts again (`tap.abandon()`, a retry or a `Range` resume), the extractor is stopped with
 * FeedAbandoned and `abandoned` tells the caller to extract the verified file instead. When the
 * extractor stops first (a refused archive), `stop()` drops what follows, so the download still runs
 * to its end and its own verdict (a digest mismatch) comes first, as when the layer was extracted
 * from the file.
 */
export class LayerFeed {
  readonly stream = new PassThrough({ highWaterMark: FEED_BUFFER });
  abandoned = false;
  private stopped = false;
  private gathered: Buffer[] = [];
  private gatheredBytes = 0;

  constructor() {
    // The download may fail before the extractor listens; the extractor reads `errored` then.
    this.stream.on('error', () => undefined);
  }

  readonly tap: BlobTap = {
    write: (chunk) => {
      if (this.stopped || this.stream.destroyed) return undefined;
      this.gathered.push(chunk);
      this.gatheredBytes += chunk.length;
      if (this.gatheredBytes < FEED_CHUNK) return undefined;
      if (this.flush()) return undefined;
      return new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('close', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('close', done);
      });
    },
    abandon: () => {
      this.abandoned = true;
      this.stopped = true;
      this.stream.destroy(new FeedAbandoned());
    },
  };

  /** The extractor gave up: the bytes that follow go nowhere (the download still verifies them). */
  stop(): void {
    this.stopped = true;
    if (!this.stream.destroyed) this.stream.destroy();
  }

  /** The download is complete and verified: the extractor may finish. */
  end(): void {
    if (this.stopped || this.stream.destroyed) return;
    this.flush();
    this.stream.end();
  }

  /** Hands what was gathered to the stream; false when the stream asks the writer to wait. */
  private flush(): boolean {
    if (this.gatheredBytes === 0) return true;
    const chunk = this.gathered.length === 1 ? this.gathered[0] : Buffer.concat(this.gathered, this.gatheredBytes);
    this.gathered = [];
    this.gatheredBytes = 0;
    return this.stream.write(chunk);
  }

  /** The download failed: the extractor stops with its error. */
  fail(err: Error): void {
    this.stopped = true;
    if (!this.stream.destroyed) this.stream.destroy(err);
  }
}
