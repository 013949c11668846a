import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ConflictError, NotFoundError, UsageError } from '@mydocker/core';
import { FileStateStore } from '../store';
import { makeRecord, tempRoots } from './helpers';

describe('FileStateStore', () => {
  let roots: ReturnType<typeof tempRoots>;
  let warnings: string[];
  let store: FileStateStore;

  beforeEach(() => {
    roots = tempRoots();
    warnings = [];
    store = new FileStateStore(roots, { warn: (m) => warnings.push(m) });
  });
  afterEach(() => roots.cleanup());

  it('reserves, saves and reads back a record in the documented layout', async () => {
    const record = makeRecord('web');
    await store.reserve(record);
    expect(store.containerDir(record.id)).toBe(`${roots.root}/containers/${record.id}`);
    expect(readFileSync(`${roots.root}/names/web`, 'utf8')).toBe(record.id);
    expect(JSON.parse(readFileSync(`${roots.root}/containers/${record.id}/config.json`, 'utf8')).name).toBe('web');
    record.status = 'running';
    record.ext.cgroups = { path: 'x' };
    await store.save(record);
    expect(await store.get('web')).toEqual(record);
  });

  it('resolves exact name, then full id, then a unique prefix', async () => {
    const a = makeRecord('alpha', { id: 'ab'.repeat(32) });
    const b = makeRecord('beta', { id: 'ac'.repeat(32) });
    // A name that looks like the other container's id prefix: the name wins.
    const c = makeRecord('ab', { id: 'cd'.repeat(32) });
    for (const r of [a, b, c]) await store.reserve(r);
    expect((await store.get('alpha')).id).toBe(a.id);
    expect((await store.get(b.id)).name).toBe('beta');
    expect((await store.get('aba')).name).toBe('alpha');
    expect((await store.get('ab')).name).toBe('ab');
    expect((await store.get('cdc')).name).toBe('ab');
    await expect(store.get('a')).rejects.toThrow(UsageError);
    await expect(store.get('a')).rejects.toThrow('The id prefix "a" matches 2 containers: give more characters of the id, or the name.');
    await expect(store.get('nope')).rejects.toThrow(new NotFoundError('No such container: nope'));
    expect(await store.find('nope')).toBeUndefined();
  });

  it('refuses references that are not a safe path component before touching the disk', async () => {
    for (const ref of ['../etc', 'a/b', '', '.hidden', 'x'.repeat(200)]) {
      await expect(store.find(ref)).rejects.toThrow(/^Invalid container reference/);
    }
    expect(existsSync(roots.root)).toBe(false);
  });

  it('refuses a name in use with Docker\'s message and keeps the first owner', async () => {
    const first = makeRecord('test');
    await store.reserve(first);
    const second = makeRecord('test');
    await expect(store.reserve(second)).rejects.toThrow(
      new ConflictError(
        `Conflict. The container name "test" is already in use by container ${first.id}. You have to remove (or rename) that container to be able to reuse that name.`,
      ),
    );
    expect(existsSync(store.containerDir(second.id))).toBe(false);
    expect((await store.get('test')).id).toBe(first.id);
  });

  it('exactly one of 20 concurrent reserves of one name wins', async () => {
    const records = Array.from({ length: 20 }, () => makeRecord('race'));
    const results = await Promise.allSettled(records.map((r) => store.reserve(r)));
    const winners = results.filter((r) => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const winner = records[results.findIndex((r) => r.status === 'fulfilled')];
    expect((await store.get('race')).id).toBe(winner.id);
    expect((await store.list()).map((r) => r.id)).toEqual([winner.id]);
  });

  it('reclaims a name whose container no longer exists (left by a crash)', async () => {
    mkdirSync(`${roots.root}/names`, { recursive: true });
    writeFileSync(`${roots.root}/names/ghost`, 'f'.repeat(64));
    const record = makeRecord('ghost');
    await store.reserve(record);
    expect((await store.get('ghost')).id).toBe(record.id);
  });

  it('delete removes the record, the name and the directory, and is idempotent', async () => {
    const record = makeRecord('gone');
    await store.reserve(record);
    writeFileSync(`${store.containerDir(record.id)}/container.log`, 'x');
    await store.delete(record.id);
    expect(existsSync(store.containerDir(record.id))).toBe(false);
    expect(existsSync(`${roots.root}/names/gone`)).toBe(false);
    await expect(store.delete(record.id)).resolves.toBeUndefined();
    await store.reserve(makeRecord('gone'));
  });

  it('delete leaves a name that now belongs to another container', async () => {
    const record = makeRecord('shared');
    await store.reserve(record);
    writeFileSync(`${roots.root}/names/shared`, 'e'.repeat(64));
    await store.delete(record.id);
    expect(readFileSync(`${roots.root}/names/shared`, 'utf8')).toBe('e'.repeat(64));
  });

  it('save of a removed container is a NotFoundError, not a resurrected directory', async () => {
    const record = makeRecord('late');
    await store.reserve(record);
    await store.delete(record.id);
    await expect(store.save(record)).rejects.toThrow(NotFoundError);
    expect(existsSync(store.containerDir(record.id))).toBe(false);
  });

  describe('unreadable records', () => {
    it('list skips a corrupt or missing record with one warning line each', async () => {
      const good = makeRecord('good');
      const bad = makeRecord('bad');
      const empty = makeRecord('empty');
      for (const r of [good, bad, empty]) await store.reserve(r);
      writeFileSync(`${store.containerDir(bad.id)}/config.json`, '{"id": "half-writ');
      writeFileSync(`${store.containerDir(empty.id)}/config.json`, '');
      mkdirSync(store.containerDir('9'.repeat(64)));
      const listed = await store.list();
      expect(listed.map((r) => r.name)).toEqual(['good']);
      expect(warnings).toHaveLength(3);
      for (const w of warnings) expect(w).not.toContain('\n');
      expect(warnings.join('|')).toContain(bad.id.slice(0, 12));
    });

    it('a record whose id does not match its directory is refused', async () => {
      const a = makeRecord('a1');
      await store.reserve(a);
      writeFileSync(`${store.containerDir(a.id)}/config.json`, JSON.stringify({ ...a, id: 'f'.repeat(64) }));
      expect(await store.list()).toEqual([]);
      expect(warnings[0]).toContain('its id does not match its directory');
    });

    it('get returns a stopped placeholder (by name or id) so that rm -f can delete it', async () => {
      const bad = makeRecord('broken');
      await store.reserve(bad);
      writeFileSync(`${store.containerDir(bad.id)}/config.json`, 'garbage');
      const byName = await store.get('broken');
      expect(byName).toMatchObject({ id: bad.id, name: 'broken', status: 'stopped' });
      const byPrefix = await store.get(bad.id.slice(0, 8));
      expect(byPrefix.id).toBe(bad.id);
      await store.delete(bad.id);
      expect(existsSync(store.containerDir(bad.id))).toBe(false);
      expect(existsSync(`${roots.root}/names/broken`)).toBe(false);
      expect(await store.list()).toEqual([]);
    });
  });

  it('list returns every record of an empty or missing root without error', async () => {
    expect(await store.list()).toEqual([]);
    expect(await store.ids()).toEqual([]);
  });

  it('lists 1,000 records in well under 100 ms', async () => {
    // Written directly: this measures listing, not 1,000 fsync'd reservations.
    for (let i = 0; i < 1000; i++) {
      const r = makeRecord(`c${i}`);
      mkdirSync(store.containerDir(r.id), { recursive: true });
      writeFileSync(`${store.containerDir(r.id)}/config.json`, JSON.stringify(r, null, 2));
    }
    await store.list(); // warm the page cache as a real `ps` would find it
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = process.hrtime.bigint();
      const listed = await store.list();
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      expect(listed).toHaveLength(1000);
    }
    expect(Math.min(...times)).toBeLessThan(100);
    expect(warnings).toEqual([]);
  }, 60_000);
});
