import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { host, hostHasIpv6, Sandbox, waitFor } from './harness';

/** A 10.233.x.0/24 that no host route touches. */
function freeSubnet(): string {
  const routes = host('ip', ['-4', '-o', 'route', 'show', 'table', 'all']).stdout;
  for (let x = 100 + Math.floor(Math.random() * 100); x < 255; x++) if (!routes.includes(`10.233.${x}.`)) return `10.233.${x}.0/24`;
  throw new Error('no free subnet');
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

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
      await waitFor(
        () => alive(before.monitorPid),
        (a) => !a,
        5000,
      );
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
      expect(r.stderr).toMatch(
        new RegExp(`^Error: Cannot wait for container w7: its record is damaged \\(.*\\); remove it with \`mydocker rm -f ${before.id.slice(0, 12)}\`\\.\\n$`),
      );
      await sandbox.run(['rm', '-f', before.id]);
      await waitFor(
        () => alive(before.pid),
        (a) => !a,
        5000,
      );
    });
  });

  describe('rename', () => {
    it('renames a running container: the new name finds it, the old one is free, the hostname stays', async () => {
      await sandbox.ok(['run', '-d', '--name', 'r1', 'busybox', 'sleep', '600']);
      const before = await record('r1');
      const hostname = (await sandbox.ok(['exec', 'r1', 'hostname'])).trim();
      expect(await sandbox.run(['rename', 'r1', 'r1new'])).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await sandbox.ok(['inspect', '-f', '{{.Name}} {{.State.Status}} {{.Id}}', 'r1new'])).toBe(`/r1new running ${before.id}\n`);
      expect(await sandbox.run(['inspect', '--type', 'container', 'r1'])).toMatchObject({ code: 1, stderr: 'Error: No such container: r1\n' });
      expect((await sandbox.ok(['exec', 'r1new', 'hostname'])).trim()).toBe(hostname);
      expect(await sandbox.ok(['ps', '--format', '{{.Names}}'])).toBe('r1new\n');
      // The old name is free for a new container; stop and rm work by the new name.
      await sandbox.ok(['run', '--name', 'r1', 'busybox', 'true']);
      await sandbox.ok(['stop', '-t', '0', 'r1new']);
      await sandbox.ok(['rm', 'r1new', 'r1']);
    });

    it('refuses a name in use, an invalid name, the same name and a missing container: one sentence, 125, nothing changed', async () => {
      await sandbox.ok(['run', '--name', 'r2', 'busybox', 'true']);
      await sandbox.ok(['run', '--name', 'r3', 'busybox', 'true']);
      const r3 = await record('r3');
      const taken = await sandbox.run(['rename', 'r2', 'r3']);
      expect(taken).toEqual({
        code: 125,
        stdout: '',
        stderr: `Error: Conflict. The container name "r3" is already in use by container ${r3.id}. You have to remove (or rename) that container to be able to reuse that name.\n`,
      });
      const invalid = await sandbox.run(['rename', 'r2', 'bad/name']);
      expect(invalid.code).toBe(125);
      expect(invalid.stderr).toMatch(/^Error: Invalid container name "bad\/name": [^\n]*\n$/);
      expect(await sandbox.run(['rename', 'r2', 'r2'])).toMatchObject({
        code: 125,
        stderr: 'Error: Renaming a container with the same name as its current name: r2.\n',
      });
      expect(await sandbox.run(['rename', 'nosuch', 'r9'])).toMatchObject({ code: 125, stderr: 'Error: No such container: nosuch\n' });
      expect((await sandbox.ok(['ps', '-a', '--format', '{{.Names}}'])).split('\n').filter(Boolean).sort()).toEqual(['r2', 'r3']);
      expect(readdirSync(join(sandbox.root, 'names')).sort()).toEqual(['r2', 'r3']);
      await sandbox.ok(['rm', 'r2', 'r3']);
    });

    it('two renames racing for one name: exactly one wins, and the index names each container once', async () => {
      await sandbox.ok(['run', '--name', 'r4', 'busybox', 'true']);
      await sandbox.ok(['run', '--name', 'r5', 'busybox', 'true']);
      const results = await Promise.all([sandbox.run(['rename', 'r4', 'prize']), sandbox.run(['rename', 'r5', 'prize'])]);
      expect(results.map((r) => r.code).sort()).toEqual([0, 125]);
      const names = (await sandbox.ok(['ps', '-a', '--format', '{{.Names}}'])).split('\n').filter(Boolean).sort();
      expect(names.length).toBe(2);
      expect(names).toContain('prize');
      expect(readdirSync(join(sandbox.root, 'names')).sort()).toEqual(names);
      await sandbox.ok(['rm', ...names]);
    });
  });

  describe('port', () => {
    it('lists the published ports as Docker does, and looks up one private port; a stopped container has none', async () => {
      const net = `vp${sandbox.tag}`.toLowerCase();
      await sandbox.ok(['network', 'create', '--subnet', freeSubnet(), net]);
      const [p1, p2] = [await freePort(), await freePort()];
      await sandbox.ok(['run', '-d', '--name', 'p1', '--net', net, '-p', `${p1}:80`, '-p', `127.0.0.1:${p2}:53/udp`, 'busybox', 'sleep', '600']);
      // As Docker's: a port on every address is bound on 0.0.0.0 and, where the host has IPv6, on [::].
      const v6 = hostHasIpv6() ? `[::]:${p1}\n` : '';
      expect(await sandbox.run(['port', 'p1'])).toEqual({
        code: 0,
        stdout: `53/udp -> 127.0.0.1:${p2}\n80/tcp -> 0.0.0.0:${p1}\n${v6 && `80/tcp -> ${v6}`}`,
        stderr: '',
      });
      expect(await sandbox.run(['port', 'p1', '80'])).toEqual({ code: 0, stdout: `0.0.0.0:${p1}\n${v6}`, stderr: '' });
      expect(await sandbox.run(['port', 'p1', '80/tcp'])).toEqual({ code: 0, stdout: `0.0.0.0:${p1}\n${v6}`, stderr: '' });
      expect(await sandbox.run(['port', 'p1', '53/udp'])).toEqual({ code: 0, stdout: `127.0.0.1:${p2}\n`, stderr: '' });
      expect(await sandbox.run(['port', 'p1', '53'])).toEqual({ code: 1, stdout: '', stderr: "Error: No public port '53/tcp' published for p1\n" });
      expect(await sandbox.run(['port', 'p1', '81/udp'])).toEqual({ code: 1, stdout: '', stderr: "Error: No public port '81/udp' published for p1\n" });
      expect(await sandbox.run(['port', 'p1', 'http'])).toMatchObject({
        code: 125,
        stdout: '',
        stderr: expect.stringMatching(/^Error: Invalid port "http": [^\n]*\n$/),
      });
      expect(await sandbox.run(['port', 'nosuch'])).toMatchObject({ code: 125, stderr: 'Error: No such container: nosuch\n' });
      await sandbox.ok(['stop', '-t', '0', 'p1']);
      expect(await sandbox.run(['port', 'p1'])).toEqual({ code: 0, stdout: '', stderr: '' });
      await sandbox.ok(['rm', 'p1']);
      await sandbox.ok(['network', 'rm', net]);
    });
  });

  describe('top', () => {
    it("runs the host's ps -ef on the container's processes only, in Docker's columns; ps options pass through", async () => {
      await sandbox.ok(['run', '-d', '--name', 't1', 'busybox', 'sh', '-c', 'sleep 600 & exec sleep 700']);
      const pid1 = (await record('t1')).pid as number;
      const child = await waitFor(
        () => host('pgrep', ['-P', String(pid1)]).stdout.trim(),
        (c) => c !== '',
      );
      const top = await sandbox.ok(['top', 't1']);
      const [header, ...rows] = top.trimEnd().split('\n');
      expect(header).toBe(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME'].map((t) => t.padEnd(20)).join('') + 'CMD');
      const byPid = new Map(rows.map((r) => [r.split(/\s+/)[1], r]));
      expect(byPid.get(String(pid1))).toMatch(/^root\s+\d+\s+\d+\s+\d+\s+\S+\s+\?\s+\d\d:\d\d:\d\d\s+sleep 700$/);
      expect(byPid.get(child)).toMatch(/\ssleep 600$/);
      // Nothing of the host: this test's own process and the container's monitor are not members.
      expect(byPid.has(String(process.pid))).toBe(false);
      expect(byPid.has(String((await record('t1')).monitorPid))).toBe(false);
      expect(await sandbox.ok(['top', 't1', '-o', 'pid,comm'])).toMatch(new RegExp(`^PID {17}COMMAND\n(\\d+ +sleep\n)+$`));
      expect(await sandbox.ok(['top', 't1', '-o', 'pid,comm'])).toContain(`${String(pid1).padEnd(20)}sleep\n`);
      const noPid = await sandbox.run(['top', 't1', '-o', 'comm']);
      expect(noPid).toMatchObject({ code: 125, stdout: '', stderr: "Error: Couldn't find PID field in ps output.\n" });
      await sandbox.ok(['stop', '-t', '0', 't1']);
      expect(await sandbox.run(['top', 't1'])).toEqual({ code: 125, stdout: '', stderr: 'Error: Container t1 is not running.\n' });
      expect(await sandbox.run(['top', 'nosuch'])).toMatchObject({ code: 125, stderr: 'Error: No such container: nosuch\n' });
      await sandbox.ok(['rm', 't1']);
    });
  });

  describe('diff', () => {
    it("lists the container layer's changes as Docker does: A, C, D, sorted; not its mount points; after it stops too", async () => {
      const script = 'mkdir -p /newdir/sub && echo x > /newdir/sub/f && rm /bin/cat && echo hi > /etc/motd';
      await sandbox.ok(['run', '--name', 'd1', '-v', '/data', 'busybox', 'sh', '-c', script]);
      const expected = ['C /bin', 'D /bin/cat', 'C /etc', 'A /etc/motd', 'A /newdir', 'A /newdir/sub', 'A /newdir/sub/f'];
      // /data (a volume's mount point) and /etc/hosts, /etc/hostname, /etc/resolv.conf are not changes.
      expect((await sandbox.ok(['diff', 'd1'])).split('\n').filter(Boolean)).toEqual(expected);
      expect((await sandbox.ok(['container', 'diff', 'd1'])).split('\n').filter(Boolean)).toEqual(expected);
      await sandbox.ok(['rm', '-v', 'd1']);
      expect(await sandbox.run(['diff', 'd1'])).toEqual({ code: 1, stdout: '', stderr: 'Error: No such container: d1\n' });
      // Nothing of the copy it reads the layer through is left.
      expect(readdirSync(join(sandbox.root, 'tmp')).filter((n) => n.startsWith('diff-'))).toEqual([]);
    });
  });
});
