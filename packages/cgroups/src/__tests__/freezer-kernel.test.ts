import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { sleep, waitForProcessExit } from '@mydocker/core';
import { detectHostHierarchy } from '../detect';
import { V2Manager } from '../v2/manager';

/**
 * The cgroup v2 freezer against the real kernel, as root: this host is hybrid, so the container's cgroup is
 * made under the host's cgroup2 mount (as the v2 device program is tested), where cgroup.freeze works
 * whatever controllers the mount holds.
 */
const host = detectHostHierarchy();
const unified = host.version === 1 ? host.unified : host.version === 2 ? host.root : undefined;
const describeUnified = process.getuid?.() === 0 && unified ? describe : describe.skip;

const parent = `mydocker-unit-frz-${randomBytes(4).toString('hex')}`;
const newId = () => randomBytes(32).toString('hex');
const read = (path: string) => readFileSync(path, 'utf8').trim();
let children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children = [];
});

afterAll(() => {
  if (unified) expect(existsSync(`${unified}/${parent}`)).toBe(false);
});

/** A shell that counts into its stdout every 10 ms: progress is visible from here. */
function counter(): { child: ChildProcess; count: () => number } {
  const child = spawn('sh', ['-c', 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.01; done'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  let last = 0;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    const lines = d.trim().split('\n');
    last = Number(lines[lines.length - 1]) || last;
  });
  return { child, count: () => last };
}

describeUnified('cgroup v2 freezer on this kernel', () => {
  it('freezes every process (cgroup.events says frozen 1, nothing runs), thaws them, and removes the cgroup', async () => {
    const root = unified!;
    const m = new V2Manager(root, host.version === 2 ? host.controllers : [], parent, newId());
    await m.create({});
    const { child, count } = counter();
    m.addProcess(child.pid!);
    const freezer = m.freezer();
    try {
      expect(freezer.state()).toBe('thawed');
      while (count() < 3) await sleep(10);
      await freezer.freeze();
      expect(read(`${m.paths.unified}/cgroup.freeze`)).toBe('1');
      expect(read(`${m.paths.unified}/cgroup.events`)).toMatch(/^frozen 1$/m);
      expect(freezer.state()).toBe('frozen');
      // Every task of the cgroup sits in the freezer trap (the shell and whichever sleep it ran), or, for a
      // shell caught forking, in kernel_clone's freezable wait for its vfork child: frozen 1 above counts both.
      for (const pid of m.processes()) expect(read(`/proc/${pid}/wchan`)).toMatch(/freezer|get_signal|refrigerator|kernel_clone/);
      // Lines the shell wrote before the freeze may still sit in the pipe: the event loop reads them during
      // this first wait, so they are not taken for progress made while frozen.
      await sleep(50);
      const held = count();
      await sleep(200);
      expect(count()).toBe(held);
      await freezer.thaw();
      expect(read(`${m.paths.unified}/cgroup.events`)).toMatch(/^frozen 0$/m);
      expect(freezer.state()).toBe('thawed');
      while (count() <= held) await sleep(10);
      // v2 lets SIGKILL through to a frozen task: destroy of a frozen cgroup ends it too.
      await freezer.freeze();
    } finally {
      await m.destroy();
    }
    expect(await waitForProcessExit(child.pid, undefined, 2000)).toBe(true);
    expect(existsSync(m.paths.unified)).toBe(false);
  });
});
