import { CommandFailedError, runCommand, runCommandSync, tryRunCommand, tryRunCommandSync } from '../host-command';

/** The one helper for host tools: `tryRunCommand` answers, `runCommand` insists. Real processes, no root. */
describe('tryRunCommand', () => {
  it('resolves with the exit code and both streams, and never throws on a non-zero exit', async () => {
    await expect(tryRunCommand('sh', ['-c', 'echo out; echo err >&2; exit 3'])).resolves.toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('feeds the input and closes stdin (a tool reading to EOF ends)', async () => {
    await expect(tryRunCommand('cat', [], { input: 'a\nb\n' })).resolves.toMatchObject({ code: 0, stdout: 'a\nb\n' });
    await expect(tryRunCommand('cat', [])).resolves.toMatchObject({ code: 0, stdout: '' });
  });

  it('runs in cwd', async () => {
    await expect(tryRunCommand('pwd', [], { cwd: '/tmp' })).resolves.toMatchObject({ stdout: '/tmp\n' });
  });

  it('a tool that is not installed is exit 127 with the reason on stderr', async () => {
    const r = await tryRunCommand('/no/such/tool', ['x']);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/^\/no\/such\/tool: spawn \/no\/such\/tool ENOENT$/);
  });

  it('a tool killed by a signal is 128 + its number', async () => {
    await expect(tryRunCommand('sh', ['-c', 'kill -KILL $$'])).resolves.toMatchObject({ code: 137 });
  });

  it('a tool that exits without reading a large input is not an error of ours', async () => {
    await expect(tryRunCommand('true', [], { input: 'x'.repeat(1 << 20) })).resolves.toMatchObject({ code: 0 });
  });
});

describe('runCommand', () => {
  it('resolves with stdout on success', async () => {
    await expect(runCommand('sh', ['-c', 'printf hi'])).resolves.toBe('hi');
  });

  it("rejects with the tool's last stderr line and keeps the whole result", async () => {
    const err = (await runCommand('sh', ['-c', 'echo partial; echo first >&2; echo "No space left on device" >&2; exit 1']).catch(
      (e) => e,
    )) as CommandFailedError;
    expect(err).toBeInstanceOf(CommandFailedError);
    expect(err.message).toBe('sh -c echo partial; echo first >&2; echo "No space left on device" >&2; exit 1 failed: No space left on device');
    expect(err.result).toEqual({ code: 1, stdout: 'partial\n', stderr: 'first\nNo space left on device\n' });
    expect([err.file, err.args[0]]).toEqual(['sh', '-c']);
  });

  it('says the exit code when the tool printed nothing', async () => {
    await expect(runCommand('false', [])).rejects.toThrow(new Error('false failed: exit 1'));
  });

  it('rejects when the tool is not installed', async () => {
    await expect(runCommand('/no/such/tool', [])).rejects.toThrow(/^\/no\/such\/tool failed: \/no\/such\/tool: spawn .* ENOENT$/);
  });
});

/** The synchronous twins (a storage driver's synchronous copy): the same answers as the promise forms. */
describe('tryRunCommandSync and runCommandSync', () => {
  it('answer as tryRunCommand does: code, both streams, stdin given, 127 for a missing tool, 128 + n for a signal', async () => {
    const script = ['-c', 'read line; echo "got $line"; echo err >&2; exit 3'];
    expect(tryRunCommandSync('sh', script, { input: 'x\n' })).toEqual(await tryRunCommand('sh', script, { input: 'x\n' }));
    expect(tryRunCommandSync('/no/such/tool', []).code).toBe(127);
    expect(tryRunCommandSync('sh', ['-c', 'kill -TERM $$']).code).toBe(143);
  });

  it('runCommandSync returns stdout, or throws the same CommandFailedError', () => {
    expect(runCommandSync('sh', ['-c', 'echo fine'])).toBe('fine\n');
    let err: unknown;
    try {
      runCommandSync('sh', ['-c', 'echo partial; echo "No space left on device" >&2; exit 1']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CommandFailedError);
    expect((err as CommandFailedError).message).toMatch(/ failed: No space left on device$/);
    expect((err as CommandFailedError).result.stdout).toBe('partial\n');
  });
});
