import { PassThrough } from 'node:stream';
import type { BlobTap } from './registry-client';
import type { Recyclable } from './layer/tar-extract';

/** Bytes a download may run ahead of the extractor reading them. */
export const FEED_BUFFER = 8 << 20;
/**
 * The network hands over ~64 KiB at a time; gunzip answers each write with about as much, and the
 * tar parser, the hash and the file writes then pay their per-chunk cost 16 times per MiB (a pull
 * made 4,360 write(2)s of 29 KiB on average). Chunks are gathered to 1 MiB first: one copy, far
 * fewer trips.
 */
export const FEED_CHUNK = 1 << 20;

/**
 * Gathering buffers kept for reuse, shared by the feeds of the process (a pull's layers follow one
 * another). A fresh 1 MiB buffer per gathered chunk (128 for a 128 MB image) cost a page fault per
 * 4 KiB on its first touch and added to the external memory that drives V8's major GCs; the extractor
 * hands each back once gunzip has read it (`recycle`). Emptied when the last feed is done, so that a
 * long-lived process (the API service) does not keep them. POOL_MAX is above what one feed can have in
 * flight (the stream's two FEED_BUFFER sides, the pipes into gunzip, gunzip's own), so that a layer's
 * buffers all fit back and none is made again.
 */
const POOL_MAX = 32;
const pool: Buffer[] = [];
let liveFeeds = 0;

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
  readonly stream: PassThrough & Recyclable = Object.assign(new PassThrough({ highWaterMark: FEED_BUFFER }), {
    recycle: (chunk: Buffer) => this.recycle(chunk),
  });
  abandoned = false;
  private stopped = false;
  /** The chunk being gathered (FEED_CHUNK bytes, from `pool` or new) and how much of it is filled. */
  private gathering: Buffer | undefined;
  private filled = 0;
  /** The backing stores of the gathering buffers handed to the stream and not yet back. */
  private readonly lent = new Set<ArrayBuffer>();
  private live = true;
  /** Gathering buffers taken from the pool (reused), made new, and the most lent at once: for the tests. */
  readonly counts = { reused: 0, made: 0, peakLent: 0 };

  constructor() {
    // The download may fail before the extractor listens; the extractor reads `errored` then.
    this.stream.on('error', () => undefined);
    liveFeeds++;
    // Ended, destroyed or failed: this feed gathers no more (the extractor may still hand buffers back).
    this.stream.once('close', () => this.done());
  }

  readonly tap: BlobTap = {
    write: (chunk) => {
      if (this.stopped || this.stream.destroyed) return undefined;
      let room = true;
      for (let off = 0; off < chunk.length;) {
        const into = (this.gathering ??= this.take());
        const n = chunk.copy(into, this.filled, off);
        off += n;
        this.filled += n;
        if (this.filled === FEED_CHUNK) room = this.flush();
      }
      if (room) return undefined;
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
    const gathered = this.gathering;
    if (!gathered || this.filled === 0) return true;
    const chunk = this.filled === FEED_CHUNK ? gathered : gathered.subarray(0, this.filled);
    this.gathering = undefined;
    this.filled = 0;
    this.lent.add(gathered.buffer as ArrayBuffer);
    this.counts.peakLent = Math.max(this.counts.peakLent, this.lent.size);
    return this.stream.write(chunk);
  }

  private done(): void {
    if (!this.live) return;
    this.live = false;
    if (--liveFeeds === 0) pool.length = 0;
  }

  private take(): Buffer {
    const reused = pool.pop();
    if (reused) {
      this.counts.reused++;
      return reused;
    }
    this.counts.made++;
    // Its own backing store (not Node's shared pool), so that `recycle` knows it by its ArrayBuffer.
    return Buffer.allocUnsafeSlow(FEED_CHUNK);
  }

  /**
   * A chunk this feed handed to the stream has been read to its end by its consumer, which keeps no
   * reference to it: its buffer may be filled again. Anything else (a chunk the stream concatenated
   * or unshifted) is left to the garbage collector.
   */
  private recycle(chunk: Buffer): void {
    if (!this.lent.delete(chunk.buffer as ArrayBuffer)) return;
    if (liveFeeds > 0 && pool.length < POOL_MAX) pool.push(Buffer.from(chunk.buffer as ArrayBuffer, 0, FEED_CHUNK));
  }

  /** The download failed: the extractor stops with its error. */
  fail(err: Error): void {
    this.stopped = true;
    if (!this.stream.destroyed) this.stream.destroy(err);
  }
}
