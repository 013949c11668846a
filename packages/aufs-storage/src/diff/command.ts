import { scratchName, type CommandArgs } from '@mydocker/core';
import { NotFoundError, UsageError, type CommandContext, type StorageDriver } from '@mydocker/core';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageExt } from '../storage';
import { inLayers, layerChanges } from './changes';

/**
 * `diff CONTAINER`: the files and directories changed in the container's layer, as Docker prints them
 * ("A /tmp/x", "C /etc", "D /bin/cat"), sorted by path. The layer is read through the driver's `diff`
 * (core's contract, so any storage driver works) into a scratch directory, then compared with the image's
 * layers. Mount points of the container's own binds (/etc/hosts, volumes) are left out, as Docker does.
 */
export async function diffContainer(args: CommandArgs, ctx: CommandContext): Promise<number> {
  const record = await ctx.bus
    .need('stateStore')
    .get(String(args.container))
    .catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
  if (!record) {
    // Docker's daemon answers "No such container", and its CLI exits 1.
    ctx.stderr.write(`Error: No such container: ${String(args.container)}\n`);
    return 1;
  }
  const ext = record.ext?.storage as StorageExt | undefined;
  if (!ext) throw new UsageError(`Container ${record.name} has no layer to compare.`);
  const driver: StorageDriver = (await import('../storage')).storageFor(ctx.bus).driver(ext.driver);
  const image = await ctx.bus
    .need('images', 'Comparing a container with its image')
    .resolve(ext.imageId)
    .catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
  const scratch = join(ctx.config.root, 'tmp', scratchName('diff-'));
  try {
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    await driver.diff(record.id, scratch);
    const skip = new Set([...(record.mounts ?? []).map((m) => m.destination), ...ext.volumes.map((v) => v.destination)]);
    const changes = await layerChanges(scratch, inLayers(image?.layers ?? []), skip);
    ctx.stdout.write(changes.map((c) => `${c.kind} ${c.path}\n`).join(''));
    return 0;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
