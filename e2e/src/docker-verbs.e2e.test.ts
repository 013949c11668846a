import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, waitFor } from './harness';

/**
 * Docker's container verbs beyond run/ps/stop/kill/rm/inspect, as Docker's CLI reference documents them
 * (output, messages, exit codes). No daemon: each verb works from the records across processes.
 */

describe('docker verbs', () => {
  const sandbox = new Sandbox('verbs');

  beforeAll(async () => {
    await sandbox.ok(['run', '--rm', 'busybox', 'true']); // builds the default image once
  });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  const record = async (name: string) => JSON.parse(await sandbox.ok(['container-record', name]))[0];
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  describe('wait', () => {
    it('blocks in another process until the container ends, then prints each exit code on its own line', async () => {
      await sandbox.ok(['run', '-d', '--name', 'w1', 'busybox', 'sh', '-c', 'sleep 1; exit 7']);
      await sandbox.ok(['run', '-d', '--name', 'w2', 'busybox', 'sh', '-c', 'sleep 2; exit 0']);
      const started = Date.now();
      const r = await sandbox.run(['wait', 'w1', 'w2']);
      expect(r).toEqual({ code: 0, stdout: '7\n0\n', stderr: '' });
      // It really waited for w2's sleep, rather than reading a status that was not final.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(await sandbox.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'w1', 'w2'])).toBe('exited 7\nexited 0\n');
      await sandbox.ok(['rm', 'w1', 'w2']);
    });

    it('an exited container: prints its code at once; a killed one reads 128 + the signal', async () => {
      await sandbox.run(['run', '--name', 'w3', 'busybox', 'sh', '-c', 'exit 3']);
      expect(await sandbox.run(['wait', 'w3'])).toEqual({ code: 0, stdout: '3\n', stderr: '' });
      await sandbox.ok(['run', '-d', '--name', 'w4', 'busybox', 'sleep', '600']);
      const waiting = sandbox.run(['wait', 'w4']);
      await sandbox.ok(['kill', 'w4']);
      expect(await waiting).toEqual({ code: 0, stdout: '137\n', stderr: '' });
      await sandbox.ok(['rm', 'w3', 'w4']);
    });

    it('a missing name: "Error: No such container: X" and exit 1, after the found ones are printed', async () => {
      await sandbox.run(['run', '--name', 'w5', 'busybox', 'sh', '-c', 'exit 5']);
      expect(await sandbox.run(['wait', 'nosuch'])).toEqual({ code: 1, stdout: '', stderr: 'Error: No such container: nosuch\n' });
      expect(await sandbox.run(['wait', 'w5', 'nosuch'])).toEqual({ code: 1, stdout: '5\n', stderr: 'Error: No such container: nosuch\n' });
      await sandbox.ok(['rm', 'w5']);
    });

    it('an unmonitored container (its monitor killed): waits for PID 1, then prints -1 (exit code unknown)', async () => {
      await sandbox.ok(['run', '-d', '--name', 'w6', 'busybox', 'sleep', '600']);
      const before = await record('w6');
      process.kill(before.monitorPid, 'SIGKILL');
      await waitFor(() => alive(before.monitorPid), (a) => !a, 5000);
      const waiting = sandbox.run(['wait', 'w6']);
      await new Promise((r) => setTimeout(r, 300));
      process.kill(before.pid, 'SIGKILL');
      expect(await waiting).toEqual({ code: 0, stdout: '-1\n', stderr: '' });
      await sandbox.ok(['rm', 'w6']);
    });

    it('a damaged record: one sentence and exit 125, pointing at rm -f', async () => {
      await sandbox.ok(['run', '-d', '--name', 'w7', 'busybox', 'sleep', '600']);
      const before = await record('w7');
      const file = join(sandbox.root, 'containers', before.id, 'config.json');
      writeFileSync(file, readFileSync(file, 'utf8').slice(0, 100));
      const r = await sandbox.run(['wait', before.id]);
      expect(r.code).toBe(125);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^Error: Cannot wait for container w7: its record is damaged \\(.*\\); remove it with \`mydocker rm -f ${before.id.slice(0, 12)}\`\\.\\n$`));
      await sandbox.run(['rm', '-f', before.id]);
      await waitFor(() => alive(before.pid), (a) => !a, 5000);
    });
  });

});
