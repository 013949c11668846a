import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStateStore } from '../store';
import { bundleStore, NODE_PATH } from './bundle';
import { makeRecord, tempRoots } from './helpers';

/** Runs a script in a fresh node process with the bundled store as `Store`; resolves with its stdout. */
function node(
  bundle: string,
  roots: { root: string; runRoot: string },
  script: string,
  env: Record<string, string> = {},
): { done: Promise<{ code: number; out: string }>; pid: number } {
  const prelude = `const { FileStateStore } = require(${JSON.stringify(bundle)}); const store = new FileStateStore(${JSON.stringify({
    root: roots.root,
    runRoot: roots.runRoot,
  })}, { locks: { staleMs: 2000 } });`;
  const child = spawn(
    process.execPath,
    ['-e', `${prelude}\n(async () => { ${script} })().catch((e) => { console.log('ERR ' + e.message); process.exit(3); });`],
    {
      env: { ...process.env, NODE_PATH, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  return { pid: child.pid!, done: new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 128, out }))) };
}

describe('FileStateStore across processes', () => {
  let roots: ReturnType<typeof tempRoots>;
  let bundle: string;

  beforeAll(() => {
    roots = tempRoots();
    bundle = bundleStore(roots.dir);
  });
  afterAll(() => roots.cleanup());

  it('20 processes reserving one name: exactly one wins', async () => {
    const records = Array.from({ length: 20 }, () => makeRecord('contested'));
    const runs = records.map((r) =>
      node(
        bundle,
        roots,
        `try { await store.reserve(${JSON.stringify(r)}); console.log('won'); } catch (e) { console.log(e.constructor.name + ' ' + e.message); }`,
      ),
    );
    const outs = await Promise.all(runs.map((r) => r.done));
    const winners = outs.filter((o) => o.out.trim() === 'won');
    expect(winners).toHaveLength(1);
    const winner = records[outs.findIndex((o) => o.out.trim() === 'won')];
    for (const o of outs)
      if (o.out.trim() !== 'won')
        expect(o.out).toContain(`ConflictError Conflict. The container name "contested" is already in use by container ${winner.id}.`);
    const store = new FileStateStore(roots);
    expect((await store.get('contested')).id).toBe(winner.id);
    await store.delete(winner.id);
  }, 30_000);

  it('concurrent writers of one record: the result is always one whole written version', async () => {
    const store = new FileStateStore(roots);
    const base = makeRecord('written');
    await store.reserve(base);
    const writers = Array.from({ length: 6 }, (_, w) =>
      node(
        bundle,
        roots,
        `const r = ${JSON.stringify(base)};
         for (let i = 0; i < 25; i++) { r.ext.writer = { w: ${w}, i, pad: '${String(w)}'.repeat(20000 + ${w} * 5000) }; await store.save(r); }
         console.log('ok');`,
      ),
    );
    // Read while they write: every read parses and is internally consistent.
    let reads = 0;
    const reading = (async () => {
      const stop = Promise.all(writers.map((w) => w.done));
      let finished = false;
      void stop.then(() => (finished = true));
      while (!finished) {
        const r = await store.get('written');
        const ext = r.ext.writer as { w: number; pad: string } | undefined;
        if (ext) expect(ext.pad).toBe(String(ext.w).repeat(20000 + ext.w * 5000));
        reads++;
        await new Promise((res) => setImmediate(res));
      }
    })();
    const outs = await Promise.all(writers.map((w) => w.done));
    await reading;
    expect(outs.map((o) => o.out.trim())).toEqual(Array(6).fill('ok'));
    expect(reads).toBeGreaterThan(0);
    const final = (await store.get('written')).ext.writer as { w: number; i: number; pad: string };
    expect(final.i).toBe(24);
    expect(final.pad).toBe(String(final.w).repeat(20000 + final.w * 5000));
    await store.delete(base.id);
  }, 30_000);

  it('withLock is exclusive across processes', async () => {
    const store = new FileStateStore(roots);
    const record = makeRecord('locked');
    await store.reserve(record);
    const counter = join(roots.dir, 'counter');
    writeFileSync(counter, '0');
    // Each process does an unprotected read-modify-write under the lock; lost updates would show.
    const runs = Array.from({ length: 8 }, () =>
      node(
        bundle,
        roots,
        `const fs = require('fs');
         for (let i = 0; i < 10; i++) await store.withLock(${JSON.stringify(record.id)}, async () => {
           const n = Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8'));
           await new Promise((r) => setTimeout(r, 1));
           fs.writeFileSync(${JSON.stringify(counter)}, String(n + 1));
         });
         console.log('ok');`,
      ),
    );
    const outs = await Promise.all(runs.map((r) => r.done));
    expect(outs.map((o) => o.out.trim())).toEqual(Array(8).fill('ok'));
    expect(readFileSync(counter, 'utf8')).toBe('80');
    await store.delete(record.id);
  }, 30_000);

  it('a lock held by a killed process is taken over once stale', async () => {
    const record = makeRecord('orphan');
    const store = new FileStateStore(roots, { locks: { staleMs: 2000, timeoutMs: 15_000 } });
    await store.reserve(record);
    const holder = node(
      bundle,
      roots,
      `await store.withLock(${JSON.stringify(record.id)}, async () => { console.log('holding'); await new Promise(() => setInterval(() => {}, 1000)); });`,
    );
    const lockDir = join(roots.runRoot, 'locks', `container-${record.id}.lock`);
    while (!existsSync(lockDir)) await new Promise((r) => setTimeout(r, 20));
    process.kill(holder.pid, 'SIGKILL');
    await holder.done;
    expect(existsSync(lockDir)).toBe(true);
    const start = Date.now();
    await expect(store.withLock(record.id, async () => 'mine')).resolves.toBe('mine');
    expect(Date.now() - start).toBeLessThan(6000);
    expect(existsSync(lockDir)).toBe(false);
    await store.delete(record.id);
  }, 30_000);
});
