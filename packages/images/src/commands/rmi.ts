import { ConflictError, describeError, NotFoundError, UsageError, type CommandContext, type ContainerRecord } from '@mydocker/core';
import { normalizeReference, splitReference } from '../store/oci-config';
import { layersInUse, storeFor } from '../store/store-for';
import type { StoredImage } from '../store/image-store';
import { bare, manifestsOf } from '../store/store-index';

type Args = Record<string, any>;

async function containers(ctx: CommandContext): Promise<ContainerRecord[]> {
  return ctx.bus.has('stateStore') ? ctx.bus.need('stateStore').list() : [];
}

function imageOf(r: ContainerRecord): string | undefined {
  return r.imageId ?? (r.ext?.images as { imageId?: string } | undefined)?.imageId ?? (r.ext?.storage as { imageId?: string } | undefined)?.imageId;
}

/** How the user named the image: decides untag (a name, a digest reference) or delete (an id). */
type Named = { kind: 'tag'; name: string } | { kind: 'digest'; ref: string } | { kind: 'id' };

function namedBy(ref: string, image: StoredImage): Named {
  if (ref.includes('@')) return { kind: 'digest', ref };
  const name = normalizeReference(ref);
  return image.names.includes(name) ? { kind: 'tag', name } : { kind: 'id' };
}

/**
 * `rmi [-f] IMAGE...` as Docker: a name or digest reference is untagged, and the image is deleted when
 * that was its last reference; an id deletes the image with all its names, refused when it has several
 * names (unless -f). An image a container uses is refused unless -f; with -f it is untagged, and
 * deleted only when no running container uses it (its layers stay while any container needs them).
 * "Untagged:" and "Deleted:" lines as Docker prints them; failures are "Error: ..." lines, exit 1.
 */
export async function removeImages(args: Args, ctx: CommandContext): Promise<number> {
  const store = storeFor(ctx.bus);
  const force = !!args.force;
  let code = 0;
  for (const ref of (args.images as unknown[]).map(String)) {
    try {
      let imageId = '';
      const lines = await store.withLock(async () => {
        const image = await store.get(ref);
        imageId = image.id;
        const named = namedBy(ref, image);
        const users = (await containers(ctx)).filter((r) => imageOf(r) === image.id);
        const running = users.filter((r) => r.status === 'running' || r.status === 'unknown');
        const out: string[] = [];
        const index = await store.index();
        if (named.kind === 'tag' || named.kind === 'digest') {
          const others = named.kind === 'tag' ? image.names.filter((n) => n !== named.name) : image.names;
          const lastReference = others.length === 0;
          if (lastReference && users.length > 0 && !force) {
            throw new ConflictError(
              `Unable to remove repository reference "${ref}" (must force): container ${users[0].id.slice(0, 12)} is using its referenced image ${image.id.slice(0, 12)}.`,
            );
          }
          if (named.kind === 'tag') {
            delete index.tags[named.name];
            out.push(`Untagged: ${named.name}`);
          } else {
            const at = ref.lastIndexOf('@');
            const wanted = `${splitReference(normalizeReference(ref.slice(0, at))).repository}${ref.slice(at)}`;
            for (const m of manifestsOf(index, image.id)) index.manifests[m].repoDigests = index.manifests[m].repoDigests.filter((d) => d !== wanted);
            out.push(`Untagged: ${wanted}`);
          }
          await store.writeIndex(index);
          // Docker deletes the image once its last name goes (its repository digests go with it); a
          // running container keeps it, untagged.
          if (!lastReference || running.length > 0) return out;
          for (const d of image.digests) if (named.kind === 'tag') out.push(`Untagged: ${d}`);
        } else {
          if (image.names.length > 1 && !force) {
            throw new ConflictError(`Unable to delete ${image.id.slice(0, 12)} (must be forced): the image is referenced in multiple repositories.`);
          }
          if (running.length > 0) {
            throw new ConflictError(
              `Unable to delete ${image.id.slice(0, 12)} (cannot be forced): the image is being used by running container ${running[0].id.slice(0, 12)}.`,
            );
          }
          if (users.length > 0 && !force) {
            throw new ConflictError(
              `Unable to delete ${image.id.slice(0, 12)} (must be forced): the image is being used by stopped container ${users[0].id.slice(0, 12)}.`,
            );
          }
          for (const n of image.names) out.push(`Untagged: ${n}`);
          for (const d of image.digests) out.push(`Untagged: ${d}`);
        }
        await store.deleteImage(image.id);
        out.push(`Deleted: sha256:${image.id}`);
        const removed = await store.gc(await layersInUse(ctx.bus));
        for (const l of removed) out.push(`Deleted: sha256:${bare(l)}`);
        return out;
      });
      ctx.stdout.write(lines.map((l) => `${l}\n`).join(''));
      for (const line of lines) {
        if (line.startsWith('Untagged: '))
          await ctx.bus.emitEvent({ type: 'image', action: 'untag', id: `sha256:${imageId}`, attributes: { name: line.slice(10) } });
        else if (line === `Deleted: sha256:${imageId}`)
          await ctx.bus.emitEvent({ type: 'image', action: 'delete', id: `sha256:${imageId}`, attributes: { name: ref } });
      }
    } catch (err) {
      if (!(err instanceof NotFoundError || err instanceof ConflictError || err instanceof UsageError)) throw err;
      ctx.stderr.write(`Error: ${describeError(err).message}\n`);
      code = 1;
    }
  }
  return code;
}
