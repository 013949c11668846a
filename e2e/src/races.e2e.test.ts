import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MYDOCKER_BIN, Sandbox, waitFor } from './harness';

/**
 * Races (issue 13): a signal to a foreground `run` at any moment, and many processes racing `run --name X`
 * against `rm -f X`. Every command ends, says at most one expected sentence, and nothing is left.
 */

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
const lines = (text: string) => text.split('\n').filter(Boolean);

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `mydocker ARGS` and sends `signal` once `when` holds for what it printed so far (stdout, stderr),
 * or after `when` milliseconds. If the container then prints `resendOn`, the signal is sent again: a
 * signal that came before the container's shell set its trap is ignored by a PID 1, as with Docker.
 */
function runAndSignal(
  sandbox: Sandbox,
  args: string[],
  signal: NodeJS.Signals,
  when: ((out: string, err: string) => boolean) | number,
  extraEnv: NodeJS.ProcessEnv = {},
  resendOn?: string,
): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MYDOCKER_BIN, ...args], { env: { ...sandbox.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    let resent = false;
    const send = () => {
      sent = true;
      child.kill(signal);
    };
    const check = () => {
      if (!sent && typeof when === 'function' && when(stdout, stderr)) send();
      else if (sent && !resent && resendOn && stdout.includes(resendOn)) {
        resent = true;
        child.kill(signal);
      }
    };
    if (typeof when === 'number') setTimeout(() => !sent && (send(), check()), when);
    child.stdout!.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      check();
    });
    child.stderr!.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      check();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stdout, stderr });
    });
  });
}

/** Runs `count` jobs, at most `width` at a time. */
async function pooled<T>(count: number, width: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await job(i);
      }
    }),
  );
  return results;
}

describe('races: signals to a foreground run, and run against rm -f', () => {
  const sandbox = new Sandbox('races', { defaultNetwork: 'none' });

  beforeAll(async () => {
    await sandbox.ok(['run', '--rm', 'busybox', 'true']); // builds the default image once
  });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  const expectNothingLeft = async () => {
    expect((await sandbox.ok(['ps', '-a', '-q'])).trim()).toBe('');
    expect(list(join(sandbox.root, 'containers'))).toEqual([]);
    expect(list(join(sandbox.root, 'names'))).toEqual([]);
    expect(
      await waitFor(
        () => sandbox.leftovers(),
        (l) => l.length === 0,
        10_000,
      ),
    ).toEqual([]);
  };

  const TRAPPING = ['busybox', 'sh', '-c', 'trap "exit 7" TERM; echo first; while true; do sleep 0.05; done'];

  it("50 foreground runs get SIGTERM as the container prints its first line: each is forwarded, ends with the container's code, and is removed", async () => {
    const results = await pooled(50, 3, (i) =>
      runAndSignal(sandbox, ['run', '--rm', '--name', `first${i}`, ...TRAPPING], 'SIGTERM', (out) => out.includes('first')),
    );
    const summary = results.map((r) => `${r.code}/${r.signal}/${r.stderr.trim()}`);
    expect(summary).toEqual(Array(50).fill('7/null/'));
    await expectNothingLeft();
  }, 240_000);

  it.each([
    ['SIGTERM', 'validate', 143],
    ['SIGINT', 'validate', 130],
    ['SIGHUP', 'validate', 129],
  ] as const)('%s after the %s step, before the container starts, cancels the run and rolls it back (exit %i)', async (signal, step, code) => {
    const r = await runAndSignal(
      sandbox,
      ['run', '--name', 'cancelled', '-m', '32m', ...TRAPPING],
      signal,
      (_out, err) => new RegExp(`\\+\\s*[\\d.]+\\s+${step}\\n`).test(err),
      {
        MYDOCKER_TRACE: '1',
      },
    );
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    const errors = lines(r.stderr).filter((l) => !l.startsWith('[trace]'));
    expect(errors).toEqual([`Error: The run was cancelled by ${signal} before the container started; what it had made was removed.`]);
    await expectNothingLeft();
  });

  it('a SIGTERM at any moment of 20 runs: every run ends (cancelled, forwarded, or dead before it made anything) and leaves nothing', async () => {
    const results = await pooled(20, 2, (i) => {
      const delay = 200 + ((i * 37) % 20) * 60; // spread over start-up, create, spawn, start and running
      return runAndSignal(sandbox, ['run', '--rm', '--name', `any${i}`, ...TRAPPING], 'SIGTERM', delay, {}, 'first');
    });
    const outcomes = results.map((r) =>
      r.signal === 'SIGTERM'
        ? 'killed before the handler'
        : r.code === 143
          ? 'cancelled'
          : r.code === 7
            ? 'forwarded'
            : `unexpected ${r.code}/${r.signal}: ${r.stderr}`,
    );
    for (const outcome of outcomes) expect(outcome).toMatch(/^(killed before the handler|cancelled|forwarded)$/);
    for (const r of results.filter((x) => x.code === 7)) expect(r.stderr).toBe('');
    // The later signals reach a run that has made something: the handler, not the default action, decides.
    expect(outcomes.filter((o) => o !== 'killed before the handler').length).toBeGreaterThan(0);
    await expectNothingLeft();
  }, 240_000);

  it("40 processes racing run --name X and rm -f X: only Docker's two sentences, ps tells the truth, nothing leaks", async () => {
    const jobs = Array.from({ length: 40 }, (_, i) =>
      new Promise((r) => setTimeout(r, (i * 53) % 2000)).then(() =>
        i % 2 === 0
          ? sandbox.run(['run', '-d', '--name', 'X', '-m', '32m', 'busybox', 'sleep', '600'], { timeoutMs: 110_000 }).then((r) => ({ ...r, cmd: 'run' }))
          : sandbox.run(['rm', '-f', 'X'], { timeoutMs: 110_000 }).then((r) => ({ ...r, cmd: 'rm' })),
      ),
    );
    const results = await Promise.all(jobs);
    for (const r of results) {
      // Docker's `rm -f` reports a name it does not find and still exits 0 (docker/cli's rm.go).
      if (r.cmd === 'rm') {
        expect(r.code).toBe(0);
        expect(['', 'Error: No such container: X\n']).toContain(r.stderr);
        continue;
      }
      if (r.code === 0) {
        expect(r.stderr).toBe('');
        continue;
      }
      // Docker's code for the name conflict `run` refuses: 125.
      expect(r.code).toBe(125);
      expect(lines(r.stderr)).toEqual([
        expect.stringMatching(
          /^Error: Conflict\. The container name "X" is already in use by container [0-9a-f]{64}\. You have to remove \(or rename\) that container to be able to reuse that name\.$/,
        ),
      ]);
    }
    expect(results.filter((r) => r.cmd === 'run' && r.code === 0).length).toBeGreaterThan(0);
    expect(results.filter((r) => r.cmd === 'rm' && r.stderr === '').length).toBeGreaterThan(0);

    const ids = lines(await sandbox.ok(['ps', '-a', '-q']));
    const left = (ids.length ? JSON.parse(await sandbox.ok(['container-record', ...ids])) : []) as Array<{ name: string; status: string; pid?: number }>;
    expect(left.length).toBeLessThanOrEqual(1);
    for (const c of left) {
      expect(c).toMatchObject({ name: 'X', status: 'running' });
      expect(existsSync(`/proc/${c.pid}`)).toBe(true);
    }
    const rm = await sandbox.run(['rm', '-f', 'X']);
    expect(rm.stderr).toBe(left.length === 1 ? '' : 'Error: No such container: X\n');
    expect(rm.code).toBe(0);
    expect(list(join(sandbox.root, 'containers')).filter((e) => e.startsWith('.'))).toEqual([]);
    await expectNothingLeft();
  }, 240_000);
});
