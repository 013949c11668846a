import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from './harness';

const sandbox = new Sandbox('state', { defaultNetwork: 'none' });

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

async function ids(): Promise<string[]> {
  return (await sandbox.ok(['ps', '-a', '-q'])).split('\n').filter(Boolean);
}

describe('state store', () => {
  it("keeps a name for one container only, with Docker's conflict message", async () => {
    const first = (await sandbox.ok(['run', '-d', '--name', 'test', 'busybox', 'sleep', '30'])).trim();
    const again = await sandbox.run(['run', '-d', '--name', 'test', 'busybox', 'true']);
    expect(again.code).toBe(125);
    expect(again.stderr.trim()).toMatch(
      new RegExp(
        `Conflict\\. The container name "test" is already in use by container ${first}\\. You have to remove \\(or rename\\) that container to be able to reuse that name\\.$`,
      ),
    );
    expect(await ids()).toHaveLength(1);
  });

  it('refuses to remove a running container without -f, and removes it with -f', async () => {
    const r = await sandbox.run(['rm', 'test']);
    // Docker's words and exit code.
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: cannot remove container "/test": container is running: stop the container before removing or force remove\n');
    await sandbox.ok(['rm', '-f', 'test']);
    expect(await ids()).toEqual([]);
    expect((await sandbox.ok(['run', '-d', '--name', 'test', 'busybox', 'true'])).trim()).toMatch(/^[0-9a-f]{64}$/);
    await sandbox.ok(['rm', '-f', 'test']);
  });

  it('of five concurrent runs with one name exactly one wins', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => sandbox.run(['run', '-d', '--name', 'race', 'busybox', 'true'])));
    expect(results.filter((r) => r.code === 0)).toHaveLength(1);
    for (const r of results.filter((x) => x.code !== 0)) {
      expect(r.code).toBe(125);
      expect(r.stderr).toContain('Conflict. The container name "race" is already in use');
    }
    expect(await ids()).toHaveLength(1);
    await sandbox.ok(['rm', '-f', 'race']);
  });

  it('finds containers by unique id prefix and refuses unsafe references', async () => {
    const id = (await sandbox.ok(['run', '-d', '--name', 'prefixed', 'busybox', 'true'])).trim();
    const inspected = JSON.parse(await sandbox.ok(['container-record', id.slice(0, 6)]));
    expect((Array.isArray(inspected) ? inspected[0] : inspected).name).toBe('prefixed');
    const unsafe = await sandbox.run(['container-record', '../../etc']);
    expect(unsafe.code).toBe(125);
    expect(unsafe.stderr).toContain('Invalid container reference "../../etc"');
    const missing = await sandbox.run(['container-record', 'nosuch']);
    expect(missing.code).toBe(125);
    expect(missing.stderr.trim()).toMatch(/No such container: nosuch$/);
    await sandbox.ok(['rm', '-f', id]);
  });

  it('a corrupt record does not break ps (it is listed as damaged), and rm -f of its id still works', async () => {
    const good = (await sandbox.ok(['run', '-d', '--name', 'good', 'busybox', 'true'])).trim();
    const bad = (await sandbox.ok(['run', '-d', '--name', 'bad', 'busybox', 'true'])).trim();
    await sandbox.ok(['stop', 'bad']);
    writeFileSync(join(sandbox.root, 'containers', bad, 'config.json'), '{"id": "trunc');
    const ps = await sandbox.run(['ps', '-a', '-q']);
    expect(ps.code).toBe(0);
    expect(ps.stdout.split('\n').filter(Boolean).sort()).toEqual([good.slice(0, 12), bad.slice(0, 12)].sort());
    expect(ps.stderr.trim().split('\n')).toHaveLength(1);
    expect(ps.stderr).toContain(bad.slice(0, 12));
    const rm = await sandbox.run(['rm', '-f', bad]);
    expect(rm.code).toBe(0);
    expect(existsSync(join(sandbox.root, 'containers', bad))).toBe(false);
    expect(existsSync(join(sandbox.root, 'names', 'bad'))).toBe(false);
    expect((await sandbox.run(['ps', '-a', '-q'])).stderr).toBe('');
    await sandbox.ok(['rm', '-f', good]);
  });

  it('info reports the root and the containers by status', async () => {
    await sandbox.ok(['run', '-d', '--name', 'sleeper', 'busybox', 'sleep', '30']);
    await sandbox.ok(['run', '-d', '--name', 'done', 'busybox', 'true']);
    await sandbox.ok(['stop', 'done']);
    const info = await sandbox.ok(['info']);
    const section = info.slice(info.indexOf('containers:'));
    expect(section).toMatch(new RegExp(`root: ${sandbox.root}\\n\\s+total: 2\\n\\s+running: 1\\n\\s+created: 0\\n\\s+stopped: 1`));
    await sandbox.ok(['rm', 'done']);
    await sandbox.ok(['rm', '-f', 'sleeper']);
  });
});
