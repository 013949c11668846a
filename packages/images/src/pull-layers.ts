import { trace } from '@mydocker/core';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { isZstd, unzstd } from './decompress';
import { LayerFeed } from './layer-feed';
import type { Descriptor } from './manifest';
import type { PullProgress } from './progress';
import type { RegistryClient } from './registry-client';

/**
 * What this package's own store offers beyond core's contract (see index.ts): a downloaded layer is
 * extracted as soon as its blob is verified, while the other layers still download. Another store
 * provider without it gets every layer extracted by `addFetched` at the end, as before.
 */
export interface EarlyExtraction {
  /** `input`: the verified blob's file, or its bytes as they download (see layer-feed.ts). */
  extractFetchedLayer(input: string | Readable, index: number, diffId: string): Promise<string | undefined>;
  discardExtracted(diff: string): Promise<void>;
}

/**
 * The layers of one pull: each downloaded into `files[i]` and, with a store that offers
 * EarlyExtraction, extracted into a scratch of the layer store while the others still download.
 */
export class LayerDownloads {
  /** diff id (bare hex) → scratch, extracted early; placed by addFetched, discarded by `discard` if the pull fails. */
  readonly prepared = new Map<string, string>();
  private readonly extracting = new Map<string, Promise<void>>();

  constructor(
    private readonly client: RegistryClient,
    private readonly layers: Descriptor[],
    private readonly diffIds: string[],
    readonly files: string[],
    private readonly progress: PullProgress,
    private readonly early: EarlyExtraction | undefined,
  ) {}

  short(i: number): string {
    return this.layers[i].digest.slice(7, 19);
  }

  /** Layer `i`, downloaded and verified (and started extracting, or extracted); see pull.ts for the order. */
  async fetch(i: number): Promise<void> {
    const l = this.layers[i];
    this.progress.layer(this.short(i), 'Downloading');
    // gzip and plain layers are extracted from the network as they download (one pass, no file
    // read back); zstd ones, and a layer that had to be downloaded again, from the verified file.
    if (this.early && !isZstd(l.mediaType) && !this.extracting.has(this.diffIds[i])) {
      const done = this.stream(i);
      done.catch(() => undefined); // awaited in `settle`; a failure must not be an unhandled rejection meanwhile
      this.extracting.set(this.diffIds[i], done);
      return done;
    }
    const tar = await this.download(i);
    if (!this.early || this.extracting.has(this.diffIds[i])) return;
    // Not awaited here: the download slot goes to the next layer while this one is unpacked.
    const done = this.extractFile(i, tar);
    if (tar !== this.files[i]) void done.finally(() => rm(tar, { force: true })).catch(() => undefined);
    this.extracting.set(this.diffIds[i], done);
  }

  /** Every extraction started so far has ended (failed or not): none still writes into a scratch. */
  async ended(): Promise<void> {
    await Promise.allSettled(this.extracting.values());
  }

  /** Every extraction, and the first failure among them (after `ended`, so that all have ended first). */
  async settle(): Promise<void> {
    await this.ended();
    for (const done of this.extracting.values()) await done;
  }

  /** A failed pull's scratches (placed ones are gone already: renamed into the store). */
  async discard(): Promise<void> {
    for (const diff of this.prepared.values()) await this.early?.discardExtracted(diff);
  }

  /**
   * The blob into its file; returns the tar to extract. A zstd blob stays as it came (it is the blob
   * the store keeps, so that push and save send the registry's bytes); its plain tar goes beside it
   * for this store's extractor. Another store is handed the plain tar in its place, as it reads only
   * tar and gzip.
   */
  private async download(i: number): Promise<string> {
    const l = this.layers[i];
    const zstd = isZstd(l.mediaType);
    const file = this.files[i];
    const blob = zstd && !this.early ? `${file}.zst` : file;
    await this.client.blobToFile(l.digest, l.size, blob, (n) => this.progress.bytes(this.short(i), n));
    this.progress.layer(this.short(i), 'Verifying Checksum');
    const tar = zstd && this.early ? `${file}.tar` : file;
    if (zstd) {
      await unzstd(blob, tar, i + 1);
      if (blob !== file) await rm(blob, { force: true });
    }
    this.progress.layer(this.short(i), 'Download complete');
    trace(`pull: layer ${i + 1} downloaded`);
    return tar;
  }

  private extractFile(i: number, source = this.files[i]): Promise<void> {
    this.progress.layer(this.short(i), 'Extracting');
    const done = this.early!.extractFetchedLayer(source, i, this.diffIds[i]).then((diff) => {
      if (diff) this.prepared.set(this.diffIds[i].slice(7), diff);
      trace(`pull: layer ${i + 1} extracted`);
    });
    done.catch(() => undefined); // awaited in `settle`; a failure must not be an unhandled rejection meanwhile
    return done;
  }

  /**
   * Download and extraction in one pass (layer-feed.ts). The scratch is kept only when the blob
   * verified; the download's error comes before the extractor's, as when the file was extracted
   * after the download. A download that had to start again is extracted from its file instead.
   */
  private async stream(i: number): Promise<void> {
    const l = this.layers[i];
    const early = this.early!;
    const feed = new LayerFeed();
    const extraction = early.extractFetchedLayer(feed.stream, i, this.diffIds[i]);
    // Stopped or done (or the store had the layer and read nothing): the download no longer waits for it.
    extraction.finally(() => feed.stop()).catch(() => undefined);
    try {
      await this.client.blobToFile(l.digest, l.size, this.files[i], (n) => this.progress.bytes(this.short(i), n), feed.tap);
    } catch (err) {
      feed.fail(err as Error);
      const diff = await extraction.catch(() => undefined);
      if (diff) await early.discardExtracted(diff);
      throw err;
    }
    this.progress.layer(this.short(i), 'Verifying Checksum');
    this.progress.layer(this.short(i), 'Download complete');
    trace(`pull: layer ${i + 1} downloaded`);
    if (feed.abandoned) {
      const diff = await extraction.catch(() => undefined);
      if (diff) await early.discardExtracted(diff);
      return this.extractFile(i);
    }
    this.progress.layer(this.short(i), 'Extracting');
    feed.end();
    const diff = await extraction;
    if (diff) this.prepared.set(this.diffIds[i].slice(7), diff);
    trace(`pull: layer ${i + 1} extracted`);
  }
}
