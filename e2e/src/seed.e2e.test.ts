import { host, Sandbox, waitFor } from './harness';

/** The seed chapter's transcript, verbatim, with the built binary. */
describe("the seed's transcript: run -d, ps, stop, rm", () => {
  const sandbox = new Sandbox('seed');

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  const rows = (out: string) =>
    out
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s{2,}/));
  const hostProcess = (pid: string) => host('ps', ['-o', 'args=', '-p', pid]).stdout.trim();

  it('replays every step and leaves nothing behind', async () => {
    expect((await sandbox.ok(['ps'])).trim()).toMatch(/^ID\s+NAME\s+PID\s+STATUS\s+COMMAND\s+CREATED$/);

    const id = (await sandbox.ok(['run', '-d', '-name', 'test', '/bin/top'])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const running = rows(await sandbox.ok(['ps']));
    expect(running).toHaveLength(1);
    const [shortId, name, pid, status, command, created] = running[0];
    expect(id.startsWith(shortId)).toBe(true);
    expect([name, status, command]).toEqual(['test', 'running', '/bin/top']);
    expect(created).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    // `ps -ef | grep top` on the host shows the container's top under that PID.
    expect(hostProcess(pid)).toBe('/bin/top');

    await sandbox.ok(['stop', 'test']);
    const stopped = rows(await sandbox.ok(['ps']));
    expect(stopped).toHaveLength(1);
    expect(stopped[0][1]).toBe('test');
    expect(stopped[0][2]).toMatch(/^stopped/);
    expect(hostProcess(pid)).toBe('');

    await sandbox.ok(['rm', 'test']);
    expect((await sandbox.ok(['ps'])).trim().split('\n')).toHaveLength(1);
    const left = await waitFor(
      () => sandbox.leftovers(),
      (l) => l.length === 0,
      5000,
    );
    expect(left).toEqual([]);
  });
});
