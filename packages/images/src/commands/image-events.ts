import type { CommandContext } from '@mydocker/core';
import type { LocalImageStore, StoredImage } from '../store/image-store';

/**
 * Docker's image events for `import`, `load` and `save` (its LogImageEvent): one per image, the actor
 * being the image id, with `name` the id too (Docker names these by id, not by tag) and the image's labels
 * as further attributes.
 */
export async function emitImageEvent(ctx: CommandContext, action: 'import' | 'load' | 'save', image: StoredImage): Promise<void> {
  const id = `sha256:${image.id}`;
  const labels = image.config.config?.Labels;
  const attributes: Record<string, string> = {};
  if (labels && typeof labels === 'object') for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') attributes[k] = v;
  attributes.name = id;
  await ctx.bus.emitEvent({ type: 'image', action, id, attributes });
}

/** The images a `load` reported ("Loaded image: NAME" or "Loaded image ID: sha256:ID"), each once, in order. */
export async function loadedImages(store: LocalImageStore, lines: string[]): Promise<StoredImage[]> {
  const out: StoredImage[] = [];
  for (const line of lines) {
    const ref = line.replace(/^Loaded image(?: ID)?: /, '');
    const image = await store.find(ref);
    if (image && !out.some((i) => i.id === image.id)) out.push(image);
  }
  return out;
}
