import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalImageStore } from './image-store';
import { checkConfig } from './oci-config';
import { bare } from './store-index';

/**
 * The layout before the content-addressed store: `images/ID/config.json` (the config's bytes, whose
 * sha256 is ID), `images/ID/repo-digests.json` and `images/repositories.json` (name → ID). Each image
 * becomes a config blob and a manifest the store writes (its layers are already unpacked under
 * `layers/`, where they stay), its names become tags, its repository digests are kept. Runs once, under
 * the store's lock; the old files go only after the new index is written, so a crash half-way
 * migrates again on the next use.
 */
export async function migrateOldLayout(store: LocalImageStore): Promise<void> {
  const names = await readdir(store.dir).catch(() => [] as string[]);
  const ids = names.filter((n) => /^[0-9a-f]{64}$/.test(n));
  if (ids.length === 0 && !names.includes('repositories.json')) return;
  let repositories: Record<string, string> = {};
  try {
    repositories = JSON.parse(await readFile(join(store.dir, 'repositories.json'), 'utf8')) as Record<string, string>;
  } catch {
    // No names (or an unreadable table): the images are kept, untagged.
  }
  const index = await store.readIndex();
  for (const id of ids) {
    let raw: Buffer;
    try {
      raw = await readFile(join(store.dir, id, 'config.json'));
      checkConfig(JSON.parse(raw.toString('utf8')), `image ${id.slice(0, 12)}`);
    } catch {
      continue; // a half-written image of the old store: nothing refers to it by a name that works
    }
    let repoDigests: string[] = [];
    try {
      const list = JSON.parse(await readFile(join(store.dir, id, 'repo-digests.json'), 'utf8')) as unknown;
      if (Array.isArray(list)) repoDigests = list.filter((d): d is string => typeof d === 'string');
    } catch {
      // pulled by no registry
    }
    const config = checkConfig(JSON.parse(raw.toString('utf8')), `image ${id.slice(0, 12)}`);
    if (!(await Promise.all(config.rootfs.diff_ids.map((d) => store.layers.has(d)))).every(Boolean)) continue;
    const tags = Object.keys(repositories).filter((n) => repositories[n] === id);
    // The config blob, a manifest the store writes, the tags; then the repository digests.
    await store.addToIndex(index, { config, names: tags, raw });
    for (const d of Object.keys(index.manifests)) {
      if (bare(index.manifests[d].config) === id) index.manifests[d].repoDigests = [...new Set([...index.manifests[d].repoDigests, ...repoDigests])].sort();
    }
  }
  await store.writeIndex(index);
  for (const id of ids) await rm(join(store.dir, id), { recursive: true, force: true });
  await rm(join(store.dir, 'repositories.json'), { force: true });
}
