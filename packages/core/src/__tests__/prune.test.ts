import { emptyRunSpec, type ContainerRecord } from '../model';
import { pruneContainers, pruneVerdict } from '../prune';
import { setup } from './engine-fakes';

const record = (status: ContainerRecord['status']) => ({ status }) as ContainerRecord;

describe('pruneVerdict', () => {
  it('keeps a live container, leaves one being created by a live process, removes the rest', () => {
    expect(pruneVerdict(record('running'), true, false)).toBe('keep');
    expect(pruneVerdict(record('created'), true, true)).toBe('keep');
    expect(pruneVerdict(record('created'), false, true)).toBe('in-progress');
    expect(pruneVerdict(record('created'), false, false)).toBe('remove');
    expect(pruneVerdict(record('stopped'), false, true)).toBe('remove');
    expect(pruneVerdict(record('running'), false, false)).toBe('remove');
  });
});

describe('pruneContainers over the state store ids', () => {
  it('removes what does not run through the engine, keeps what runs, and each prune tap sees the ids stored by then', async () => {
    const { engine, records, alive } = setup({ startTaps: true });
    const { record: kept } = await engine.run(emptyRunSpec({ name: 'kept', command: ['sh'], detach: true }));
    const { record: gone } = await engine.run(emptyRunSpec({ name: 'gone', command: ['sh'], detach: true }));
    alive.delete(gone.id);
    const seen: string[][] = [];
    // The first tap stores a record (a concurrent run), the second must know it: ids are read again before each tap.
    engine.bus.hooks.prune.tapPromise('first', async (report) => {
      seen.push([...report.knownIds].sort());
      records.set('f'.repeat(64), { ...structuredClone(kept), id: 'f'.repeat(64), name: 'meanwhile' });
      report.removed.push('layer of a crashed run');
    });
    engine.bus.hooks.prune.tapPromise('second', async (report) => void seen.push([...report.knownIds].sort()));
    const errors: unknown[] = [];
    const result = await pruneContainers(engine, (err) => errors.push(err));
    expect(errors).toEqual([]);
    expect(result.deleted).toEqual([gone.id]);
    expect(result.removed).toEqual(['layer of a crashed run']);
    expect([...records.keys()].sort()).toEqual([kept.id, 'f'.repeat(64)].sort());
    expect(seen).toEqual([[kept.id], [kept.id, 'f'.repeat(64)].sort()]);
  });

  it('reports a container that cannot be removed and goes on with the others', async () => {
    const { engine, alive } = setup({ startTaps: true });
    const a = (await engine.run(emptyRunSpec({ name: 'a', command: ['sh'], detach: true }))).record;
    const b = (await engine.run(emptyRunSpec({ name: 'b', command: ['sh'], detach: true }))).record;
    alive.delete(a.id);
    alive.delete(b.id);
    engine.bus.hooks.preRemove.tapPromise('guard', async (ctx) => (ctx.record.name === 'a' ? 'a is protected' : undefined));
    const errors: string[] = [];
    const result = await pruneContainers(engine, (err) => errors.push((err as Error).message));
    expect(errors).toEqual(['a is protected']);
    expect(result.deleted).toEqual([b.id]);
  });
});
