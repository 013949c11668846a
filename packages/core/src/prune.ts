import type { LifecycleBus, PruneReport } from './bus';
import type { Engine } from './engine';
import type { ContainerRecord } from './model';
import { isProcessAlive } from './process';
import type { Runtime } from './services';
import { shortId } from './ids';

export type PruneVerdict = 'keep' | 'remove' | 'in-progress';

/**
 * What `system prune` does with one container, Docker's way: every container that is not running goes.
 * A record still `created` whose creating mydocker process lives is being made by a concurrent `run`
 * and is left alone; once that process is gone, the record is a crash's leftover.
 */
export function pruneVerdict(record: ContainerRecord, alive: boolean, creatorAlive: boolean): PruneVerdict {
  if (alive) return 'keep';
  if (record.status === 'created' && creatorAlive) return 'in-progress';
  return 'remove';
}

/** A damaged record proves nothing: its container counts as alive while a PID 1 can be found from its id. */
function isAlive(runtime: Runtime, record: ContainerRecord): boolean {
  if (record.damaged) return runtime.adopt ? runtime.adopt({ ...record }) : true;
  return record.status !== 'stopped' && runtime.isRunning(record);
}

export interface PruneResult {
  /** Ids of the containers removed. */
  deleted: string[];
  /** One phrase per container left alone, and why. */
  kept: string[];
  /** Leftovers the plugins' prune taps removed (cgroups, layers, addresses of containers with no record). */
  removed: string[];
}

const refreshing = new WeakSet<LifecycleBus>();
let refreshIds: ((report: PruneReport) => Promise<void>) | undefined;

/**
 * `system prune`: every container that is not running is removed (through the engine's `remove`, so every
 * plugin's taps run), then the `prune` taps remove leftovers of containers that have no record. The ids
 * with a record come from the state store's contract (`ids()`), read again just before each prune tap, so
 * a container a concurrent `run` made meanwhile is known to every plugin and none takes its fresh layer,
 * cgroup or address for a leftover. `onError` reports a container that could not be removed (the rest
 * go on); anything else it rethrows.
 */
export async function pruneContainers(engine: Engine, onError: (err: unknown) => void): Promise<PruneResult> {
  const { bus } = engine;
  const store = bus.need('stateStore', 'The "system prune" command');
  const runtime = bus.need('runtime', 'The "system prune" command');
  const result: PruneResult = { deleted: [], kept: [], removed: [] };
  for (const record of await store.list()) {
    const verdict = pruneVerdict(record, isAlive(runtime, record), isProcessAlive(record.creatorPid, record.creatorStartTime));
    if (verdict === 'keep') {
      if (record.damaged)
        result.kept.push(`${shortId(record.id)} has a damaged record and its container still runs; \`rm -f ${shortId(record.id)}\` removes it`);
      continue;
    }
    if (verdict === 'in-progress') {
      result.kept.push(`${record.name} (${shortId(record.id)}) is being created; left alone`);
      continue;
    }
    try {
      await engine.remove(record.id, { force: true, volumes: false });
      result.deleted.push(record.id);
    } catch (err) {
      onError(err);
    }
  }
  const report: PruneReport = { knownIds: new Set(await store.ids()), removed: [] };
  refreshIds = async (r) => {
    for (const id of await store.ids()) r.knownIds.add(id);
  };
  if (!refreshing.has(bus)) {
    refreshing.add(bus);
    // Every prune tap first learns the ids stored by then (an interceptor's register wraps each tap).
    bus.hooks.prune.intercept({
      register: (tap: { type: string; fn: (report: PruneReport) => Promise<void> }) => {
        if (tap.type !== 'promise') return tap;
        const fn = tap.fn;
        return { ...tap, fn: async (r: PruneReport) => (await refreshIds?.(r), fn(r)) };
      },
    } as never);
  }
  await bus.hooks.prune.promise(report);
  result.removed = report.removed;
  return result;
}
