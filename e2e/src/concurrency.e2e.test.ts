import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './harness';
import type { ParsedJson } from './json';

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe('concurrency: racing commands serialize and leak nothing', () => {
  const sandbox = new Sandbox('conc', { defaultNetwork: 'none' });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('30 distinct names and 10 runs racing for one name, then 40 rm -f in parallel', async () => {
    await sandbox.ok(['run', '--rm', 'busybox', 'true']); // builds the default image once
    const distinct = Array.from({ length: 30 }, (_, i) => `c${i}`);
    const runs = [
      ...distinct.map((name) => sandbox.run(['run', '-d', '--name', name, 'busybox', 'sleep', '600'], { timeoutMs: 110_000 })),
      ...Array.from({ length: 10 }, () => sandbox.run(['run', '-d', '--name', 'shared', 'busybox', 'sleep', '600'], { timeoutMs: 110_000 })),
    ];
    const results = await Promise.all(runs);
    const failed = results.slice(0, 30).filter((r) => r.code !== 0);
    expect(failed).toEqual([]);
    const shared = results.slice(30);
    expect(shared.filter((r) => r.code === 0)).toHaveLength(1);
    for (const r of shared.filter((x) => x.code !== 0)) {
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/Conflict\. The container name "shared" is already in use/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }

    const ps = JSON.parse(await sandbox.ok(['container-record', ...distinct, 'shared']));
    expect(ps.map((r: { name: string }) => r.name).sort()).toEqual([...distinct, 'shared'].sort());
    expect(ps.every((r: { status: string }) => r.status === 'running')).toBe(true);
    expect(new Set(ps.map((r: { id: string }) => r.id)).size).toBe(31);
    expect((await sandbox.ok(['ps', '-a', '-q'])).split('\n').filter(Boolean)).toHaveLength(31);
    expect(list(join(sandbox.root, 'containers'))).toHaveLength(31);
    expect(list(join(sandbox.root, 'names')).sort()).toEqual([...distinct, 'shared'].sort());

    const removals = await Promise.all([
      ...distinct.map((name) => sandbox.run(['rm', '-f', name], { timeoutMs: 110_000 })),
      ...Array.from({ length: 10 }, () => sandbox.run(['rm', '-f', 'shared'], { timeoutMs: 110_000 })),
    ]);
    expect(removals.slice(0, 30).filter((r) => r.code !== 0)).toEqual([]);
    // Racing removals of one container: at least one does it; the others find it gone or being removed.
    const sharedRm = removals.slice(30);
    expect(sharedRm.some((r) => r.code === 0)).toBe(true);
    for (const r of sharedRm.filter((x) => x.code !== 0)) {
      // Docker exits 1 for a name it does not find; a container another command holds is mydocker's 125.
      expect(r.code).toBe(/No such container: shared/.test(r.stderr) ? 1 : 125);
      expect(r.stderr).toMatch(/No such container: shared|is busy/);
    }
    expect((await sandbox.ok(['ps', '-a', '-q'])).trim()).toBe('');
    expect(list(join(sandbox.root, 'containers'))).toEqual([]);
    expect(list(join(sandbox.root, 'names'))).toEqual([]);
    expect(sandbox.leftovers()).toEqual([]);
  }, 240_000);

  it('10 runs racing for addresses on a small network get distinct ones', async () => {
    await sandbox.ok(['network', 'create', '--subnet', `10.${200 + (parseInt(sandbox.tag, 36) % 50)}.7.0/28`, `race${sandbox.tag}`]);
    const names = Array.from({ length: 10 }, (_, i) => `n${i}`);
    const results = await Promise.all(
      names.map((n) => sandbox.run(['run', '-d', '--name', n, '--net', `race${sandbox.tag}`, 'busybox', 'sleep', '600'], { timeoutMs: 110_000 })),
    );
    expect(results.filter((r) => r.code !== 0)).toEqual([]);
    const records = JSON.parse(await sandbox.ok(['container-record', ...names]));
    const addresses = records.map((r: { ext: ParsedJson }) => JSON.stringify(r.ext.network));
    const ips = addresses.map((a: string) => /"(10\.\d+\.7\.\d+)/.exec(a)?.[1]);
    expect(ips.every(Boolean)).toBe(true);
    expect(new Set(ips).size).toBe(10);
    const removals = await Promise.all(names.map((n) => sandbox.run(['rm', '-f', n], { timeoutMs: 110_000 })));
    expect(removals.filter((r) => r.code !== 0)).toEqual([]);
    await sandbox.ok(['network', 'rm', `race${sandbox.tag}`]);
    expect(sandbox.leftovers()).toEqual([]);
  }, 120_000);
});
