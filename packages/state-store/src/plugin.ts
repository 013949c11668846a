import { inject, injectable, MydockerError, Stage, TOKENS, type ContainerRecord, type EngineConfig, type LifecycleBus, type Plugin } from '@mydocker/core';
import { FileStateStore, nameConflict } from './store';

const NAME = 'state-store';

/**
 * Docker's refusal of `rm` without -f for a running container, word for word and with Docker's exit
 * code 1 (the CLI prints it after "Error: "), so that scripts matching Docker's text keep working.
 */
export function runningRefusal(record: ContainerRecord): string | MydockerError | undefined {
  if (record.status === 'stopped') return undefined;
  if (record.damaged) {
    return `The record of container ${record.name} is damaged (${record.damage ?? 'unreadable'}), so nothing proves the container stopped: use -f to kill and remove whatever is left of it.`;
  }
  return new MydockerError(`cannot remove container "/${record.name}": container is running: stop the container before removing or force remove`, 1);
}

/**
 * Provides the `stateStore` service (registered in the engine's container) and keeps the record in step
 * with the lifecycle. The container hands it the config; made by hand (`new`), it uses the bus's.
 */
@injectable()
export class StateStorePlugin implements Plugin {
  readonly name = NAME;

  constructor(@inject(TOKENS.Config) private readonly config?: EngineConfig) {}

  apply(bus: LifecycleBus): void {
    const store = new FileStateStore(this.config ?? bus.config);
    bus.provide('stateStore', NAME, store);
    const { hooks } = bus;

    // Early and cheap, so that no other plugin makes anything for a name that is taken.
    hooks.validate.tapPromise({ name: NAME, stage: Stage.RESERVE }, async (ctx) => {
      const owner = await store.nameOwner(ctx.record.name);
      if (owner && owner !== ctx.record.id) throw nameConflict(ctx.record.name, owner);
    });

    // Authoritative under the store lock: two concurrent runs with one name cannot both get here.
    hooks.create.tapPromise({ name: NAME, stage: Stage.RESERVE }, async (ctx) => {
      await store.reserve(ctx.record);
      ctx.onRollback(NAME, () => store.delete(ctx.record.id));
    });

    const save = async (ctx: { record: ContainerRecord }) => store.save(ctx.record);
    hooks.create.tapPromise({ name: NAME, stage: Stage.RECORD }, save);
    hooks.started.tapPromise({ name: NAME, stage: Stage.RECORD }, save);
    // The first half of a removal writes nothing: the record is deleted next, and the disk may be full.
    // A --rm container's `stopped` record is written but not synced: its removal follows at once, and a
    // power loss before it leaves the synced `running` record, which the next command settles from the
    // monitor's exit file (synced) and removes, as it would have.
    hooks.stopped.tapPromise({ name: NAME, stage: Stage.RECORD }, async (ctx) => {
      if (!ctx.removing) await store.save(ctx.record, { durable: !ctx.record.autoRemove });
    });

    hooks.preRemove.tapPromise(NAME, async (ctx) => runningRefusal(ctx.record));

    hooks.remove.tapPromise({ name: NAME, stage: Stage.RECORD }, async (ctx) => store.delete(ctx.record.id));

    hooks.prune.tapPromise(NAME, async (report) => {
      for (const id of await store.ids()) report.knownIds.add(id);
      report.removed.push(...(await store.removeLeftovers()));
    });

    hooks.info.tapPromise(NAME, async (report) => {
      const records = await store.list();
      const runtime = bus.has('runtime') ? bus.need('runtime') : undefined;
      const count = { total: records.length, running: 0, created: 0, stopped: 0, unknown: 0 };
      for (const r of records) {
        const status = r.status === 'running' && runtime && !runtime.isRunning(r) ? 'stopped' : r.status;
        count[status]++;
      }
      report.containers = { root: bus.config.root, ...count };
    });
  }
}

// package.json's "mydocker.plugin" entry: the class alone, without what index.ts re-exports.
export default StateStorePlugin;
