import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, waitFor } from './harness';

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

/**
 * MYDOCKER_FAULT kills mydocker with SIGKILL at one step: whatever that step left (a record in "created",
 * a mounted layer, cgroups, an address, a half-removed container) must be found and released by `rm -f`.
 */
describe('crash at any step: rm -f and system prune recover', () => {
  const sandbox = new Sandbox('fault', { defaultNetwork: 'none' });
  let net: string;

  beforeAll(async () => {
    await sandbox.ok(['run', '--rm', 'busybox', 'true']);
    net = `flt${sandbox.tag}`;
    await sandbox.ok(['network', 'create', '--subnet', `10.${200 + (parseInt(sandbox.tag, 36) % 50)}.9.0/28`, net]);
  });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  /** A container with a layer, cgroups (-m) and an address, so that each plugin has something to leak. */
  const runArgs = (name: string) => ['run', '-d', '--name', name, '-m', '64m', '--net', net, 'busybox', 'sleep', '600'];

  /** The monitor's own clean-up command may still be finishing (it finds nothing left to do): wait for it. */
  const expectClean = async () => {
    expect(list(join(sandbox.root, 'containers'))).toEqual([]);
    expect(list(join(sandbox.root, 'names'))).toEqual([]);
    expect(
      await waitFor(
        () => sandbox.leftovers(),
        (l) => l.length === 0,
        5000,
      ),
    ).toEqual([]);
  };

  const expectNoAddressHeld = async () => {
    const file = join(sandbox.root, 'networks', 'ipam.json');
    const ipam = existsSync(file) ? readFileSync(file, 'utf8') : '';
    expect(ipam).not.toMatch(/[0-9a-f]{64}/);
  };

  it('refuses a fault step that does not exist', async () => {
    const r = await sandbox.run(runArgs('nofault'), { env: { MYDOCKER_FAULT: 'run:nowhere' } });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/MYDOCKER_FAULT="run:nowhere" names no fault step/);
    await expectClean();
  });

  it.each(['run:after-validate', 'run:after-create', 'run:after-spawn', 'run:after-created', 'run:after-start', 'run:after-started'])(
    'killed at %s: rm -f cleans up',
    async (step) => {
      const name = step.replace(/[^a-z]/g, '');
      const r = await sandbox.run(runArgs(name), { env: { MYDOCKER_FAULT: step } });
      expect(r.code).toBe(137);
      const existed = (await sandbox.run(['container-record', name])).code === 0;
      expect(existed).toBe(step !== 'run:after-validate');
      if (existed) {
        const record = JSON.parse(await sandbox.ok(['container-record', name]))[0];
        expect(record.name).toBe(name); // never half-written: the record parses and is whole
        expect(await sandbox.ok(['ps'])).toContain(name);
        await sandbox.ok(['rm', '-f', name]);
      }
      expect((await sandbox.run(['container-record', name])).code).toBe(125);
      await expectClean();
      await expectNoAddressHeld();
    },
  );

  it('killed at stop:after-signal: the container is still whole; stop and rm finish the job', async () => {
    await sandbox.ok(runArgs('stopper'));
    const r = await sandbox.run(['stop', '-t', '1', 'stopper'], { env: { MYDOCKER_FAULT: 'stop:after-signal' } });
    expect(r.code).toBe(137);
    await sandbox.ok(['stop', '-t', '1', 'stopper']);
    expect(JSON.parse(await sandbox.ok(['container-record', 'stopper']))[0].status).toBe('stopped');
    await sandbox.ok(['rm', 'stopper']);
    await expectClean();
    await expectNoAddressHeld();
  });

  it.each(['rm:after-preRemove', 'rm:mid-remove'])('killed at %s: a second rm -f removes what is left', async (step) => {
    const name = step.replace(/[^a-z]/g, '');
    await sandbox.ok(runArgs(name));
    const r = await sandbox.run(['rm', '-f', name], { env: { MYDOCKER_FAULT: step } });
    expect(r.code).toBe(137);
    const record = JSON.parse(await sandbox.ok(['container-record', name]))[0];
    expect(record.status).toBe('stopped');
    await sandbox.ok(['rm', '-f', name]);
    await expectClean();
    await expectNoAddressHeld();
  });

  it('system prune leaves a container its live creator is still making, and removes it once the creator is gone', async () => {
    const r = await sandbox.run(runArgs('stuck'), { env: { MYDOCKER_FAULT: 'run:after-created' } });
    expect(r.code).toBe(137);
    const record = JSON.parse(await sandbox.ok(['container-record', 'stuck']))[0];
    expect(record.status).toBe('created');
    expect(record.creatorPid).toBeGreaterThan(0);

    // Pretend a live process (this test's own) is still creating it: prune must leave it alone.
    const file = join(sandbox.root, 'containers', record.id, 'config.json');
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    writeFileSync(file, JSON.stringify({ ...stored, creatorPid: process.pid, creatorStartTime: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) }));
    const first = await sandbox.ok(['system', 'prune']);
    expect(first).toMatch(/Skipped: stuck .* is being created/);
    expect((await sandbox.run(['container-record', 'stuck'])).code).toBe(0);

    // The real creator was killed: the record is a crash's leftover and goes.
    writeFileSync(file, JSON.stringify(stored));
    const second = await sandbox.ok(['system', 'prune', '-f']);
    expect(second).toContain(record.id);
    expect((await sandbox.run(['container-record', 'stuck'])).code).toBe(125);
    await expectClean();
    await expectNoAddressHeld();
  });
});
