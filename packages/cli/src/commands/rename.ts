import { assertValidName, ConflictError, emitContainerEvent, UsageError, type CommandSpec } from '@mydocker/core';

/**
 * `rename CONTAINER NEW_NAME`: under the container's lock, so that a racing stop, rm or clean-up reads
 * the record whole; a running container keeps its hostname, as in Docker. Prints nothing.
 */
export const renameCommand: CommandSpec = {
  command: 'rename <container> <newName>',
  describe: 'Rename a container',
  async run(args, ctx) {
    const newName = String(args.newName);
    if (newName === '') throw new UsageError('Neither old nor new names may be empty.');
    assertValidName(newName);
    const store = ctx.bus.need('stateStore');
    if (!store.rename) throw new UsageError('The installed state store cannot rename containers.');
    const found = await store.get(String(args.container));
    if (found.damaged) {
      throw new ConflictError(
        `Cannot rename container ${found.name}: its record is damaged (${found.damage ?? 'unreadable'}); remove it with \`mydocker rm -f ${found.id.slice(0, 12)}\`.`,
      );
    }
    const renamed = await store.withLock(found.id, () => store.rename!(found.id, newName));
    // Docker's rename event: the new name, and the old one with its slash.
    await emitContainerEvent(ctx.bus, 'rename', renamed, { oldName: `/${found.name}` });
    return 0;
  },
};
