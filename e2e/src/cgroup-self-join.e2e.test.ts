import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { Sandbox, waitFor } from './harness';
import type { ParsedJson } from './json';

/**
 * The container's PID 1 joins its cgroup v1 directories itself, right after the clone (no RCU wait in
 * the kernel's global cgroup lock): the helper says "pid N" only once it is in them, and the `created` tap
 * writes cgroup.procs only where it is not. Needs this host's cgroup v1 hierarchies (the CI's hybrid).
 */
const sandbox = new Sandbox('selfjoin', { defaultNetwork: 'none' });
const HELPER = process.env.MYDOCKER_INIT ?? resolve(__dirname, '../../packages/namespaces/dist/mydocker-init');
const HIERARCHIES = ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'devices', 'freezer', 'blkio'];
const dirOf = (h: string, ...rest: string[]) => join('/sys/fs/cgroup', h, sandbox.cgroupParent, ...rest);

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

/** /proc/PID/cgroup as v1 controller → path (co-mounted controllers each get the line's path). */
function parseCgroups(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.trim().split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    for (const c of controllers?.split(',') ?? []) if (c) out[c] = path;
  }
  return out;
}

const cgroupsOf = (pid: number) => parseCgroups(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));

/**
 * Starts the helper in run mode with only `cgroup_join` entries of interest, and returns the cgroups of
 * its PID 1 as they are when it says "pid N" (before "go", before any driver could have attached it). The
 * control socket is then closed: the helper kills PID 1 and exits.
 */
async function cgroupsAtPid(joins: string[]): Promise<{ cgroups: Record<string, string>; helperExit: Promise<number | null> }> {
  const entries: Array<[string, string]> = [
    ['mode', 'run'],
    ['rootfs', '/nonexistent'],
    ['arg', 'true'],
    ...joins.map((d): [string, string] => ['cgroup_join', d]),
  ];
  const child = spawn(HELPER, ['run'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const helperExit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const ctl = child.stdio[3] as Duplex;
  ctl.write(Buffer.from(entries.map(([k, v]) => `${k}=${v}\0`).join('') + '\0'));
  let text = '';
  const pid = await new Promise<number>((res, rej) => {
    ctl.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /^pid (\d+)$/m.exec(text);
      if (m) res(Number(m[1]));
      else if (/^error /m.test(text)) rej(new Error(text));
    });
    child.once('exit', () => rej(new Error(`the helper exited before "pid": ${text}`)));
  });
  const cgroups = cgroupsOf(pid);
  ctl.destroy();
  return { cgroups, helperExit };
}

async function record(name: string): Promise<ParsedJson> {
  const [r] = JSON.parse(await sandbox.ok(['container-record', name]));
  return r;
}

describe('cgroup self-join', () => {
  it('the helper puts PID 1 in the given v1 directories before it says "pid N", and writes nothing else', async () => {
    const dirs = ['pids', 'memory', 'freezer'].map((h) => dirOf(h, 'helper'));
    const scratch = mkdtempSync(join(tmpdir(), 'selfjoin-'));
    // Not a cgroup filesystem: a file named tasks there must stay as it is.
    writeFileSync(join(scratch, 'tasks'), 'untouched');
    // A symlink to a cgroup directory is not followed.
    symlinkSync(dirOf('cpu', 'helper'), join(scratch, 'link'));
    for (const d of [...dirs, dirOf('cpu', 'helper')]) mkdirSync(d, { recursive: true });
    try {
      const { cgroups, helperExit } = await cgroupsAtPid([...dirs, scratch, join(scratch, 'link')]);
      expect(cgroups.pids).toBe(`/${sandbox.cgroupParent}/helper`);
      expect(cgroups.memory).toBe(`/${sandbox.cgroupParent}/helper`);
      expect(cgroups.freezer).toBe(`/${sandbox.cgroupParent}/helper`);
      expect(cgroups.cpu).not.toBe(`/${sandbox.cgroupParent}/helper`);
      expect(readFileSync(join(scratch, 'tasks'), 'utf8')).toBe('untouched');
      await helperExit;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      for (const h of ['pids', 'memory', 'freezer', 'cpu']) {
        const emptied = await waitFor(
          () => readFileSync(`${dirOf(h, 'helper')}/cgroup.procs`, 'utf8').trim(),
          (p) => p === '',
          5000,
        );
        expect(emptied).toBe('');
        rmdirSync(dirOf(h, 'helper'));
        rmdirSync(dirOf(h));
      }
    }
  });

  it('the helper refuses a directory with ".." in its launch config', async () => {
    await expect(cgroupsAtPid([`${dirOf('pids')}/../elsewhere`])).rejects.toThrow(/bad launch config entry "cgroup_join=/);
  });

  it('PID 1 is in every v1 cgroup of the container, the ones the record names', async () => {
    const id = (await sandbox.ok(['run', '-d', '--name', 'member', 'busybox', 'sleep', '60'])).trim();
    const r = await record('member');
    const cgroups = cgroupsOf(r.pid);
    for (const h of HIERARCHIES) {
      expect(r.ext.cgroups.paths[h]).toBe(dirOf(h, id));
      expect(`${h}:${cgroups[h]}`).toBe(`${h}:/${sandbox.cgroupParent}/${id}`);
    }
    await sandbox.ok(['rm', '-f', 'member']);
  });

  it("the container's first instruction runs in its cgroups: each hierarchy's root (cgroup namespace) holds PID 1, with the limits", async () => {
    const script =
      'for h in ' +
      HIERARCHIES.join(' ') +
      '; do echo "$h $(cat /sys/fs/cgroup/$h/cgroup.procs | tr "\\n" " ")"; done; cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes';
    const out = await sandbox.ok(['run', '--rm', '--pids-limit', '7', '-m', '32m', 'busybox', 'sh', '-c', script]);
    const lines = out.trim().split('\n');
    for (const h of HIERARCHIES) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${h} 1 `)));
    expect(lines.slice(-2)).toEqual(['7', String(32 * 1024 * 1024)]);
  });

  it('a pids limit holds for the container from its start', async () => {
    // PID 1 (sh) and two sleeps fill --pids-limit 3; the third fork is refused.
    const r = await sandbox.run(['run', '--rm', '--pids-limit', '3', 'busybox', 'sh', '-c', 'sleep 1 & sleep 1 & sleep 1 & wait']);
    expect(r.stderr).toMatch(/can't fork/);
  });

  it("an exec'd process is in every v1 cgroup of the container", async () => {
    await sandbox.ok(['run', '-d', '--name', 'target', 'busybox', 'sleep', '60']);
    // In the container's cgroup namespace, its own cgroup is "/".
    const seen = parseCgroups(await sandbox.ok(['exec', 'target', 'cat', '/proc/self/cgroup']));
    for (const h of HIERARCHIES) expect(`${h}:${seen[h]}`).toBe(`${h}:/`);
    await sandbox.ok(['rm', '-f', 'target']);
  });
});
