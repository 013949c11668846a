import { Sandbox, waitFor } from './harness';

/**
 * A detached --rm container whose process ends at once: its monitor wrote "exit N" into the control
 * socket that `run -d` was about to close unread, and then skipped the clean-up (no die, no removal):
 * 2 of 100 such containers were left behind. The monitor of a detached run now always runs its clean-up.
 */
describe('run -d --rm of a process that ends at once', () => {
  const sandbox = new Sandbox('detachedrm', { defaultNetwork: 'none' });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  it('removes every container, and each one says die and destroy', async () => {
    const ids: string[] = [];
    for (let round = 0; round < 30; round++) {
      const pair = await Promise.all([0, 1].map(() => sandbox.ok(['run', '-d', '--rm', 'busybox', 'true'])));
      ids.push(...pair.map((out) => out.trim()));
    }
    const left = await waitFor(
      async () => (await sandbox.ok(['ps', '-a', '-q', '--no-trunc'])).split('\n').filter(Boolean),
      (found) => found.length === 0,
      30_000,
    );
    expect(left).toEqual([]);
    const events = await sandbox.ok(['events', '--since', '10m', '--until', '0s', '--format', '{{.Status}} {{.ID}}']);
    for (const id of ids) {
      expect(events).toContain(`die ${id}`);
      expect(events).toContain(`destroy ${id}`);
    }
  });
});
