import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { host, Sandbox, waitFor } from './harness';

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe('system prune', () => {
  const sandbox = new Sandbox('hard');
  let net: string;

  beforeAll(async () => {
    await sandbox.ok(['run', '--rm', 'busybox', 'true']);
    net = `hrd${sandbox.tag}`;
    await sandbox.ok(['network', 'create', '--subnet', `10.${200 + (parseInt(sandbox.tag, 36) % 50)}.11.0/28`, net]);
  });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  const inspect = async (name: string) => JSON.parse(await sandbox.ok(['container-record', name]))[0];

  it('removes stopped containers, as Docker does, and keeps running ones', async () => {
    await sandbox.ok(['run', '-d', '--name', 'keep', 'busybox', 'sleep', '600']);
    await sandbox.ok(['run', '--name', 'done', 'busybox', 'true']);
    const done = await inspect('done');
    expect(done.status).toBe('stopped');
    const out = await sandbox.ok(['system', 'prune', '-f']);
    expect(out).toContain(`Deleted Containers:\n${done.id}`);
    expect(out).toMatch(/Total: 1 container\(s\)/);
    expect((await sandbox.run(['container-record', 'done'])).code).toBe(125);
    expect((await inspect('keep')).status).toBe('running');
    await sandbox.ok(['rm', '-f', 'keep']);
  });

  it('settles and removes a container whose processes died without clean-up', async () => {
    await sandbox.ok(['run', '-d', '--name', 'orphan', '-m', '64m', '--net', net, 'busybox', 'sleep', '600']);
    const record = await inspect('orphan');
    // The monitor first, so that no clean-up command runs: as if the host had killed both.
    process.kill(record.monitorPid, 'SIGKILL');
    process.kill(record.pid, 'SIGKILL');
    await waitFor(
      () => host('kill', ['-0', String(record.pid)]).code,
      (c) => c !== 0,
      5000,
    );
    const out = await sandbox.ok(['system', 'prune']);
    expect(out).toContain(record.id);
    expect(list(join(sandbox.root, 'containers'))).toEqual([]);
    expect(sandbox.leftovers()).toEqual([]);
  });

  it('after a host crash, finds the mounts, cgroups and addresses of containers that have no record', async () => {
    await sandbox.ok(['run', '-d', '--name', 'lost', '-m', '64m', '--net', net, 'busybox', 'sleep', '600']);
    const record = await inspect('lost');
    process.kill(record.monitorPid, 'SIGKILL');
    process.kill(record.pid, 'SIGKILL');
    await waitFor(
      () => host('kill', ['-0', String(record.pid)]).code,
      (c) => c !== 0,
      5000,
    );
    // The record is lost, the rest is not.
    rmSync(join(sandbox.root, 'containers', record.id), { recursive: true, force: true });
    rmSync(join(sandbox.root, 'names', 'lost'), { force: true });
    expect(sandbox.leftovers().some((l) => l.startsWith('mount:'))).toBe(true);
    expect(sandbox.leftovers().some((l) => l.startsWith('cgroup:'))).toBe(true);
    expect(readFileSync(join(sandbox.root, 'networks', 'ipam.json'), 'utf8')).toContain(record.id);

    const out = await sandbox.ok(['system', 'prune']);
    expect(out).toContain(`container layer ${record.id.slice(0, 12)}`);
    expect(out).toMatch(new RegExp(`cgroup .*${record.id}`));
    expect(out).toMatch(new RegExp(`network: ${record.id.slice(0, 12)}`));
    expect(sandbox.leftovers()).toEqual([]);
    expect(readFileSync(join(sandbox.root, 'networks', 'ipam.json'), 'utf8')).not.toContain(record.id);

    // A second prune finds nothing.
    expect(await sandbox.ok(['system', 'prune'])).toMatch(/Total: 0 container\(s\), 0 leftover\(s\) removed/);
  });

  it('does not take a running container for a leftover', async () => {
    await sandbox.ok(['run', '-d', '--name', 'live', '-m', '64m', '--net', net, 'busybox', 'sleep', '600']);
    const record = await inspect('live');
    const out = await sandbox.ok(['system', 'prune']);
    expect(out).not.toContain(record.id.slice(0, 12));
    expect((await inspect('live')).status).toBe('running');
    expect(sandbox.leftovers().some((l) => l.includes(record.id))).toBe(true);
    await sandbox.ok(['rm', '-f', 'live']);
    expect(sandbox.leftovers()).toEqual([]);
  });

  it('refuses an unknown system action', async () => {
    const r = await sandbox.run(['system', 'nope']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim()).toBe('Error: Unknown "system" action "nope": use df, prune, restart-policies or service.');
  });
});
