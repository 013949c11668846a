import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

  it('reads a record stored before plugins declared their flags with its plugin values moved to spec.flags', async () => {
    const record = makeRecord('old');
    await store.reserve(record);
    // The spec as the engine wrote it then: limits, volumes, ports and privileges in fields of their own.
    const stored = JSON.parse(readFileSync(`${roots.root}/containers/${record.id}/config.json`, 'utf8'));
    stored.spec = {
      ...stored.spec,
      resources: { memory: '64m' },
      volumes: ['/h:/c'],
      publish: ['8080:80'],
      privileged: true,
      capAdd: [],
      restart: 'on-failure:2',
    };
    writeFileSync(`${roots.root}/containers/${record.id}/config.json`, JSON.stringify(stored));
    const read = await store.get('old');
    expect(read.spec.flags).toEqual({
      cgroups: { memory: '64m' },
      storage: { volume: ['/h:/c'] },
      network: { publish: ['8080:80'] },
      namespaces: { privileged: true },
    });
    expect(read.spec).not.toHaveProperty('resources');
    expect(read.spec.restart).toBe('on-failure:2');
    // Saved again, the record is in today's shape: a second read changes nothing.
    await store.save(read);
    expect(JSON.parse(readFileSync(`${roots.root}/containers/${record.id}/config.json`, 'utf8')).spec).toEqual(read.spec);
    expect(await store.get('old')).toEqual(read);
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

  it("refuses a name in use with Docker's message and keeps the first owner", async () => {
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

  describe('damaged records', () => {
    it('list shows each damaged record as a stub, with one warning line for all of them', async () => {
      const good = makeRecord('good');
      const bad = makeRecord('bad');
      const empty = makeRecord('empty');
      for (const r of [good, bad, empty]) await store.reserve(r);
      writeFileSync(`${store.containerDir(bad.id)}/config.json`, '{"id": "half-writ');
      writeFileSync(`${store.containerDir(empty.id)}/config.json`, '');
      mkdirSync(store.containerDir('9'.repeat(64)));
      const listed = await store.list();
      expect(listed.map((r) => r.name).sort()).toEqual(['9'.repeat(64), 'bad', 'empty', 'good']);
      expect(listed.filter((r) => r.damaged).map((r) => r.status)).toEqual(['unknown', 'unknown', 'unknown']);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).not.toContain('\n');
      expect(warnings[0]).toContain(`${bad.id.slice(0, 12)}: it is truncated JSON`);
      expect(warnings[0]).toContain(`${empty.id.slice(0, 12)}: it is empty`);
      expect(warnings[0]).toContain('its record file is missing');
    });

    it.each([
      ['garbage', 'garbage\n\u001b[2J', /^it is not valid JSON$/],
      ['truncated JSON', '{"id": "x", "na', /^it is truncated JSON$/],
      ['an empty object', '{}', /id does not match/],
      ['an array', '[]', /not a JSON object/],
      ['wrong types', null, /wrong types/],
      ['a PID that is a string', 'pid', /pid is not a number/],
      ['an unknown status', 'status', /no valid status/],
    ])('%s reads as a damaged stub that names only the id', async (_label, text, reason) => {
      const record = makeRecord('broken');
      await store.reserve(record);
      const body =
        text === null
          ? JSON.stringify({ ...record, command: 'sh' })
          : text === 'pid'
            ? JSON.stringify({ ...record, pid: '1' })
            : text === 'status'
              ? JSON.stringify({ ...record, status: 'sleeping' })
              : text;
      writeFileSync(`${store.containerDir(record.id)}/config.json`, body);
      const stub = await store.get('broken');
      expect(stub).toMatchObject({ id: record.id, name: 'broken', damaged: true, status: 'unknown', ext: {}, command: [] });
      expect(stub.damage).toMatch(reason);
      expect((await store.get(record.id.slice(0, 8))).id).toBe(record.id);
      expect(warnings).toEqual([]);
    });

    it('a damaged record is never saved over, and delete removes it with its name', async () => {
      const bad = makeRecord('broken');
      await store.reserve(bad);
      writeFileSync(`${store.containerDir(bad.id)}/config.json`, 'garbage');
      const stub = await store.get('broken');
      await store.save({ ...stub, status: 'stopped' });
      expect(readFileSync(`${store.containerDir(bad.id)}/config.json`, 'utf8')).toBe('garbage');
      await store.delete(bad.id);
      expect(existsSync(store.containerDir(bad.id))).toBe(false);
      expect(existsSync(`${roots.root}/names/broken`)).toBe(false);
      expect(await store.list()).toEqual([]);
    });
  });

  it('delete renames the directory away first and removeLeftovers finishes a removal killed half-way', async () => {
    const record = makeRecord('half');
    await store.reserve(record);
    mkdirSync(`${roots.root}/containers/.removing-${record.id}`);
    writeFileSync(`${roots.root}/containers/.removing-${record.id}/config.json`, 'old');
    await store.delete(record.id);
    expect(readdirSync(`${roots.root}/containers`)).toEqual([]);
    mkdirSync(`${roots.root}/containers/.removing-${'a'.repeat(64)}`);
    expect(await store.removeLeftovers()).toEqual([`${roots.root}/containers/.removing-${'a'.repeat(64)}`]);
    expect(readdirSync(`${roots.root}/containers`)).toEqual([]);
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
