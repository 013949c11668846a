import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { MYDOCKER_BIN, Sandbox, waitFor } from './harness';

/**
 * `attach`, `run -a/--sig-proxy/--detach-keys` and `run --init`, from Docker's CLI reference: the monitor's
 * attach socket streams a detached container's output to every attached client and takes input for a
 * container run with -i; the exit code of `attach` is the container's; the detach keys leave it running.
 */

/** A CLI process the test talks to while it runs. */
class Live {
  out = '';
  err = '';
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
    // 'exit', not 'close': a monitor left running (run --sig-proxy=false) keeps the CLI's pipes open.
    this.exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /**
   * The process's end, or after 60 s an error naming the command and what it printed: a hang then fails
   * with its own story instead of jest's bare timeout of the whole test.
   */
  get exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.child.spawnargs.join(' ')} did not exit within 60 s\nstdout: ${this.out}\nstderr: ${this.err}`)),
        60_000,
      );
    });
    return Promise.race([this.exit, late]).finally(() => clearTimeout(timer));
  }

  write(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Waits until the output holds TEXT (fails with what there was otherwise). */
  async see(text: string | RegExp, timeoutMs = 20_000): Promise<void> {
    const has = () => (typeof text === 'string' ? this.out.includes(text) : text.test(this.out));
    await waitFor(
      () => has(),
      (v) => v,
      timeoutMs,
    );
    if (!has()) throw new Error(`never saw ${text}\nstdout: ${this.out}\nstderr: ${this.err}`);
  }
}

describe('attach, run -a/--sig-proxy/--detach-keys, run --init', () => {
  const sandbox = new Sandbox('attach', { defaultNetwork: 'none' });
  const live = (args: string[]) => new Live(spawn(MYDOCKER_BIN, args, { env: sandbox.env, stdio: ['pipe', 'pipe', 'pipe'] }));
  /** The command under a pseudo-terminal (util-linux script), for -t and the detach keys. */
  const withPty = (args: string[]) =>
    new Live(
      spawn('script', ['-qefc', [MYDOCKER_BIN, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], { env: sandbox.env, stdio: ['pipe', 'pipe', 'pipe'] }),
    );
  /** Writes `one` and ends the client's input; resolves with the container's log once `got:one` is in it. */
  const sendOneAndEnd = async (client: Live, name: string) => {
    client.write('one\n');
    client.child.stdin!.end();
    return waitFor(
      () => sandbox.ok(['logs', name]),
      (l) => l.includes('got:one'),
    );
  };
  const status = async (name: string) => (await sandbox.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name])).trim();
  /** A container that says "tick" until /tmp/stop exists, echoing each stdin line, then exits CODE. */
  const ticker = (code: number) => [
    'sh',
    '-c',
    `while [ ! -f /tmp/stop ]; do echo tick; if read -t 0.2 l; then echo "in:$l"; echo "err:$l" >&2; else sleep 0.1; fi; done; exit ${code}`,
  ];

  beforeAll(async () => {
    await sandbox.ok(['run', '--rm', 'busybox', 'true']); // builds the default image once
  });

  afterAll(async () => {
    expect(await sandbox.destroy()).toEqual([]);
  });

  describe('attach', () => {
    it('streams to several clients at once, takes one client stdin, and ends with the container exit code', async () => {
      await sandbox.ok(['run', '-d', '-i', '--name', 'a1', 'busybox', ...ticker(3)]);
      const socket = join(sandbox.root, 'containers', (await sandbox.ok(['inspect', '-f', '{{.Id}}', 'a1'])).trim(), 'attach');
      const st = statSync(socket);
      expect(st.isSocket()).toBe(true);
      expect({ mode: st.mode & 0o777, uid: st.uid, gid: st.gid }).toEqual({ mode: 0o600, uid: 0, gid: 0 });

      const one = live(['attach', 'a1']);
      const two = live(['attach', '--no-stdin', 'a1']);
      await one.see('tick');
      await two.see('tick');
      one.write('hello\n');
      await one.see('in:hello');
      await two.see('in:hello'); // every client sees the output, whoever typed
      await waitFor(
        () => one.err,
        (e) => e.includes('err:hello'),
      );
      expect(one.err).toContain('err:hello'); // stderr stays stderr
      expect(one.out).not.toContain('err:hello');
      // --no-stdin: what the second client is given never reaches the container.
      two.write('secret\n');
      one.write('after\n');
      await one.see('in:after');
      await sandbox.ok(['exec', 'a1', 'touch', '/tmp/stop']);
      expect(await one.exited).toEqual({ code: 3, signal: null });
      expect(await two.exited).toEqual({ code: 3, signal: null });
      expect(one.out).not.toContain('in:secret');
      // The log got everything too, and the socket is gone with the container.
      expect(await sandbox.ok(['logs', 'a1'])).toContain('in:hello');
      expect(() => statSync(socket)).toThrow();
      await sandbox.ok(['rm', 'a1']);
    });

    it('gives output only to a container run without -i, and a client that goes away never stops it', async () => {
      await sandbox.ok(['run', '-d', '--name', 'a2', 'busybox', ...ticker(5)]);
      const gone = live(['attach', 'a2']);
      await gone.see('tick');
      gone.child.kill('SIGKILL');
      await gone.exited;
      const stay = live(['attach', 'a2']);
      await stay.see('tick');
      stay.write('ignored\n'); // no stdin without -i: read gets EOF, nothing is echoed
      expect(await status('a2')).toBe('running 0');
      await sandbox.ok(['exec', 'a2', 'touch', '/tmp/stop']);
      expect((await stay.exited).code).toBe(5);
      expect(stay.out).not.toContain('in:ignored');
      await sandbox.ok(['rm', 'a2']);
    });

    it('drops a client that stops reading instead of waiting for it: the container runs on', async () => {
      const flood = 'while [ ! -f /tmp/go ]; do echo tick; sleep 0.1; done; head -c 8000000 /dev/zero | tr "\\0" x; touch /tmp/done; while :; do sleep 1; done';
      await sandbox.ok(['run', '-d', '--name', 'a7', 'busybox', 'sh', '-c', flood]);
      const slow = live(['attach', 'a7']);
      await slow.see('tick');
      slow.child.kill('SIGSTOP');
      await sandbox.ok(['exec', 'a7', 'touch', '/tmp/go']);
      // The 8 MB went out (to the log, and to nobody else) although the client reads nothing.
      const done = await waitFor(
        () => sandbox.run(['exec', 'a7', 'test', '-f', '/tmp/done']),
        (r) => r.code === 0,
        60_000,
      );
      expect(done.code).toBe(0);
      slow.child.kill('SIGCONT');
      const ended = await slow.exited;
      expect(ended.code).toBe(1);
      await waitFor(
        () => slow.err,
        (e) => e.includes('fell behind'),
      );
      expect(slow.err).toContain('was dropped because this client fell behind');
      expect(await status('a7')).toBe('running 0');
      await sandbox.ok(['rm', '-f', 'a7']);
    });

    it("refuses a stopped or missing container with Docker's message and exit code 1", async () => {
      await sandbox.ok(['run', '--name', 'a3', 'busybox', 'true']);
      expect(await sandbox.run(['attach', 'a3'])).toEqual({ code: 1, stdout: '', stderr: 'Error: You cannot attach to a stopped container, start it first\n' });
      const missing = await sandbox.run(['attach', 'nope']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('No such container: nope');
      await sandbox.ok(['rm', 'a3']);
    });

    it('--sig-proxy (default) forwards SIGTERM to the container; --sig-proxy=false leaves it running', async () => {
      const trap = ['sh', '-c', 'trap "echo got-TERM; exit 9" TERM; while :; do echo tick; sleep 0.1; done'];
      await sandbox.ok(['run', '-d', '--name', 'a4', 'busybox', ...trap]);
      const noProxy = live(['attach', '--sig-proxy=false', 'a4']);
      await noProxy.see('tick');
      noProxy.child.kill('SIGTERM');
      expect(await noProxy.exited).toEqual({ code: null, signal: 'SIGTERM' });
      expect(await status('a4')).toBe('running 0');
      const proxy = live(['attach', 'a4']);
      await proxy.see('tick');
      proxy.child.kill('SIGTERM');
      expect((await proxy.exited).code).toBe(9);
      await proxy.see('got-TERM');
      await sandbox.ok(['rm', 'a4']);
    });

    it('with -t: a raw terminal, and ctrl-p,ctrl-q (or --detach-keys) detaches without stopping the container', async () => {
      await sandbox.ok(['run', '-d', '-i', '-t', '--name', 'a5', 'busybox', 'sh']);
      const t = withPty(['attach', 'a5']);
      t.write('echo hi-$((40+2))\r');
      await t.see('hi-42');
      t.write('\x10\x11');
      expect((await t.exited).code).toBe(1); // Docker's attach: "read escape sequence", exit 1
      await t.see('read escape sequence');
      expect(await status('a5')).toBe('running 0');

      const custom = withPty(['attach', '--detach-keys', 'ctrl-a,x', 'a5']);
      custom.write('echo again-$((1+1))\r');
      await custom.see('again-2');
      // Not the keys now: ctrl-p,ctrl-q go to the shell (ctrl-c then clears its line) and the client stays.
      custom.write('\x10\x11\x03echo still-$((2+2))\r');
      await custom.see('still-4');
      custom.write('\x01x');
      expect((await custom.exited).code).toBe(1);
      expect(await status('a5')).toBe('running 0');

      // Without a terminal on stdin, Docker refuses a TTY container.
      expect(await sandbox.run(['attach', 'a5'])).toEqual({ code: 1, stdout: '', stderr: 'Error: the input device is not a TTY\n' });
      const exit = withPty(['attach', 'a5']);
      // Until the client has put its terminal in raw mode, ctrl-c would be the host terminal's SIGINT to the
      // client itself (exit 130): an answered echo proves the raw terminal is in place.
      exit.write('echo raw-$((3+4))\r');
      await exit.see('raw-7');
      exit.write('\x03exit 6\r');
      expect((await exit.exited).code).toBe(6);
      await sandbox.ok(['rm', 'a5']);
    });

    it('refuses bad detach keys', async () => {
      await sandbox.ok(['run', '-d', '--name', 'a6', 'busybox', 'sleep', '60']);
      const r = await sandbox.run(['attach', '--detach-keys', 'ctrl-1', 'a6']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Invalid detach keys (ctrl-1) provided');
      await sandbox.ok(['rm', '-f', 'a6']);
    });

    // Docker's end of input (moby stream.CopyStreams, docker/cli attach.go): a container that keeps its
    // stdin (run -di) stops sending this client output and the client waits for its exit code; a StdinOnce
    // one (create -i) has its stdin closed.
    it('input that ends on a run -di container: its stdin stays open for the next client, this one gets no more output and the exit code', async () => {
      const echo = 'while :; do if read -t 0.2 l; then [ "$l" = quit ] && exit 4; echo "got:$l"; fi; echo tick; done';
      await sandbox.ok(['run', '-d', '-i', '--name', 'e1', 'busybox', 'sh', '-c', echo]);
      const ended = live(['attach', 'e1']);
      await ended.see('tick');
      expect(await sendOneAndEnd(ended, 'e1')).toContain('got:one');
      const seen = ended.out.length;
      await new Promise((resolve) => setTimeout(resolve, 1000)); // five ticks
      expect(ended.out.length).toBe(seen);
      expect(ended.child.exitCode).toBeNull();
      expect(await status('e1')).toBe('running 0');

      const next = live(['attach', 'e1']);
      next.write('two\n');
      await next.see('got:two');
      next.write('quit\n');
      expect(await next.exited).toEqual({ code: 4, signal: null });
      expect(await ended.exited).toEqual({ code: 4, signal: null });
      expect(ended.out).not.toContain('got:two');
      await sandbox.ok(['rm', 'e1']);
    });

    it('input that ends on a create -i container (StdinOnce): its stdin closes, the attach shows what follows and ends with it', async () => {
      await sandbox.ok(['create', '-i', '--name', 'e2', 'busybox', 'sh', '-c', 'echo ready; cat; echo closed; exit 6']);
      await sandbox.ok(['start', 'e2']);
      const client = live(['attach', 'e2']);
      client.write('x\n');
      await client.see('x\n');
      client.child.stdin!.end();
      expect(await client.exited).toEqual({ code: 6, signal: null });
      await client.see('closed');
      expect(await sandbox.ok(['logs', 'e2'])).toBe('ready\nx\nclosed\n');
      await sandbox.ok(['rm', 'e2']);
    });

    it('start -ai of a create -i container: the input, then its end, reach the container; the exit code is its', async () => {
      await sandbox.ok(['create', '-i', '--name', 'e3', 'busybox', 'sh', '-c', 'cat; exit 5']);
      const r = await sandbox.run(['start', '-ai', 'e3'], { input: 'hello\n' });
      expect(r).toEqual({ code: 5, stdout: 'hello\n', stderr: '' });
      await sandbox.ok(['rm', 'e3']);
    });

    it('start -ai of a -t container whose input ends: no more output (a pty has no end of input), then its exit code', async () => {
      await sandbox.ok(['create', '-i', '-t', '--name', 'e4', 'busybox', 'sh', '-c', 'read l; sleep 0.5; echo "late-$l"; exit 3']);
      const r = await sandbox.run(['start', '-ai', 'e4'], { input: 'hi\n' });
      expect(r.code).toBe(3);
      expect(r.stdout).not.toContain('late-hi');
      expect(await sandbox.ok(['logs', 'e4'])).toContain('late-hi');
      await sandbox.ok(['rm', 'e4']);
    });
  });

  // As in Docker, a foreground container's stdin is a pipe the monitor owns: the CLI that ran it is one
  // client, and its end of input is taken by Docker's rules like any attach's.
  describe('the stdin of a foreground container', () => {
    it('run -i: the CLI input arrives byte-exact, a second client can write too, its end closes the stdin (StdinOnce)', async () => {
      const big = randomBytes(6 * 1024 * 1024);
      const sum = createHash('md5').update(big).digest('hex');
      const script = `ls /proc/1/fd; head -c ${big.length} | md5sum; read l; echo "got:$l"; cat; echo closed; exit 5`;
      const run = live(['run', '-i', '--name', 'f1', 'busybox', 'sh', '-c', script]);
      try {
        run.child.stdin!.write(big);
        await run.see(sum, 60_000);
        expect(run.out.startsWith('0\n1\n2\n')).toBe(true); // the pipe is its stdin: no descriptor of ours beside it
        const other = await sandbox.run(['attach', 'f1'], { input: 'from-attach\n', timeoutMs: 20_000 });
        expect(other.code).toBe(5);
        expect(other.stdout).toContain('closed');
        expect(await run.exited).toEqual({ code: 5, signal: null });
        expect(run.out).toContain('got:from-attach\nclosed\n');
      } finally {
        run.child.kill('SIGKILL');
        await sandbox.run(['rm', '-f', 'f1']);
      }
    });

    it('start -ai of a run -di container (no StdinOnce): the input ends, the stdin stays open for the next client, the exit code is its', async () => {
      const script = 'read a; echo "got:$a"; if read b; then echo "got:$b"; exit 3; fi; echo EOF; exit 8';
      await sandbox.ok(['run', '-d', '-i', '--name', 'f2', 'busybox', 'sh', '-c', script]);
      await sandbox.ok(['kill', 'f2']);
      await waitFor(
        () => status('f2'),
        (s) => s.startsWith('exited'),
      );
      const started = live(['start', '-a', '-i', 'f2']);
      try {
        expect(await sendOneAndEnd(started, 'f2')).toContain('got:one');
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await sandbox.ok(['logs', 'f2'])).toBe('got:one\n'); // no EOF reached the container
        expect(await status('f2')).toBe('running 0');
        expect((await sandbox.run(['attach', 'f2'], { input: 'two\n', timeoutMs: 20_000 })).code).toBe(3);
        expect(await started.exited).toEqual({ code: 3, signal: null });
        expect(started.out).not.toContain('got:two'); // its output ended with its input, as Docker's attach
        expect(await sandbox.ok(['logs', 'f2'])).toBe('got:one\ngot:two\n');
        // Made without -i, a container has no stdin of its own to keep: the input start -ai gives it ends with ours.
        await sandbox.ok(['create', '--name', 'f3', 'busybox', 'sh', '-c', 'cat; exit 2']);
        expect(await sandbox.run(['start', '-ai', 'f3'], { input: 'abc\n', timeoutMs: 20_000 })).toEqual({ code: 2, stdout: 'abc\n', stderr: '' });
      } finally {
        started.child.kill('SIGKILL');
        await sandbox.run(['rm', '-f', 'f2', 'f3']);
      }
    });
  });

  describe('run -a, --sig-proxy, --detach-keys', () => {
    it('-a connects only the named streams', async () => {
      const script = ['sh', '-c', 'echo out; echo err >&2'];
      expect(await sandbox.run(['run', '--rm', '-a', 'stdout', 'busybox', ...script])).toEqual({ code: 0, stdout: 'out\n', stderr: '' });
      expect(await sandbox.run(['run', '--rm', '-a', 'STDERR', 'busybox', ...script])).toEqual({ code: 0, stdout: '', stderr: 'err\n' });
      expect(await sandbox.run(['run', '--rm', '-a', 'stdin', '-a', 'stdout', 'busybox', 'cat'], { input: 'abc\n' })).toEqual({
        code: 0,
        stdout: 'abc\n',
        stderr: '',
      });
    });

    it('-a refuses an unknown stream and -d, exit 125, nothing made', async () => {
      const before = await sandbox.ok(['ps', '-a', '-q', '--no-trunc']);
      const bad = await sandbox.run(['run', '-a', 'stdlog', 'busybox', 'true']);
      expect(bad.code).toBe(125);
      expect(bad.stderr).toContain('invalid argument "stdlog" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR');
      const both = await sandbox.run(['run', '-d', '-a', 'stdout', 'busybox', 'true']);
      expect(both.code).toBe(125);
      expect(both.stderr).toContain('Conflicting options: -a and -d');
      const keys = await sandbox.run(['run', '--detach-keys', 'ctrl-', 'busybox', 'true']);
      expect(keys.code).toBe(125);
      expect(keys.stderr).toContain('Invalid detach keys (ctrl-) provided');
      expect(await sandbox.ok(['ps', '-a', '-q', '--no-trunc'])).toBe(before);
    });

    it('--sig-proxy=false: SIGTERM ends the CLI, not the container; by default it reaches the container', async () => {
      const trap = ['sh', '-c', 'trap "exit 9" TERM; while :; do echo tick; sleep 0.1; done'];
      const off = live(['run', '--name', 'r1', '--sig-proxy=false', 'busybox', ...trap]);
      await off.see('tick');
      off.child.kill('SIGTERM');
      expect(await off.exited).toEqual({ code: null, signal: 'SIGTERM' });
      expect(await status('r1')).toBe('running 0');
      const on = live(['run', '--name', 'r2', 'busybox', ...trap]);
      await on.see('tick');
      on.child.kill('SIGTERM');
      expect((await on.exited).code).toBe(9);
      await sandbox.ok(['rm', '-f', 'r1', 'r2']);
    });

    it('run -it: the detach keys leave the container running and the CLI exits 0; attach finds it again', async () => {
      const t = withPty(['run', '-it', '--name', 'r3', '--detach-keys', 'ctrl-x,ctrl-y', 'busybox', 'sh']);
      t.write('echo in-$((3*3))\r');
      await t.see('in-9');
      t.write('\x18\x19');
      expect((await t.exited).code).toBe(0);
      expect(await status('r3')).toBe('running 0');
      const back = withPty(['attach', 'r3']);
      back.write('echo back-$((5+5))\r');
      await back.see('back-10');
      back.write('exit 4\r');
      expect((await back.exited).code).toBe(4);
      // The monitor ran the clean-up as for a detached container.
      await waitFor(
        () => status('r3'),
        (s) => s === 'exited 4',
      );
      expect(await status('r3')).toBe('exited 4');
      await sandbox.ok(['rm', 'r3']);
    });
  });

  describe('run --init', () => {
    it('is PID 1 (docker-init), from no file in the container root', async () => {
      const ps = await sandbox.ok(['run', '--rm', '--init', 'busybox', 'ps', '-o', 'pid,ppid,comm,args']);
      expect(ps).toMatch(/^\s*1\s+0\s+docker-init\s+\/sbin\/docker-init -- \/bin\/ps/m);
      expect(ps).toMatch(/^\s*2\s+1\s+ps\s/m);
      const r = await sandbox.run(['run', '--rm', '--init', 'busybox', 'sh', '-c', 'ls /sbin/docker-init; echo x >> /proc/1/exe && echo wrote']);
      expect(r.stdout).not.toContain('wrote');
      expect(r.stderr).toContain('/sbin/docker-init');
    });

    it('reaps orphans of a double fork', async () => {
      // The orphan (usleep) is re-parented to PID 1; once it ends, no zombie is left.
      const script = [
        'sh "-c" "usleep 2000000 &"',
        // Until the orphan has exec'd usleep (its comm is still sh for a moment after the fork). Bounded (5 s).
        'i=0; until ps -o ppid,comm | grep usleep || [ $i -ge 100 ]; do sleep 0.05; i=$((i+1)); done',
        // Until it is gone, not only until it is a zombie: init reaps it a moment after it ends. Bounded (10 s).
        'i=0; while ps -o comm | grep -q usleep && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
        'echo after; ps -o pid,stat,comm',
      ].join('; ');
      const out = await sandbox.ok(['run', '--rm', '--init', 'busybox', 'sh', '-c', script]);
      expect(out).toMatch(/^\s*1\s+usleep/m);
      const after = out.slice(out.indexOf('after'));
      expect(after).not.toMatch(/\sZ\s/);
      expect(after).not.toContain('usleep');
    });

    it("passes stop's SIGTERM to the child and exits with the child's code", async () => {
      await sandbox.ok(['run', '-d', '--init', '--name', 'i1', 'busybox', 'top']);
      await sandbox.ok(['stop', 'i1']);
      expect(await status('i1')).toBe('exited 143'); // top died of SIGTERM (PID 1 without init would ignore it)
      await sandbox.ok(['run', '-d', '--init', '--name', 'i2', 'busybox', 'sh', '-c', 'trap "exit 7" TERM; while :; do sleep 0.1; done']);
      await sandbox.ok(['stop', 'i2']);
      expect(await status('i2')).toBe('exited 7');
      expect((await sandbox.run(['run', '--rm', '--init', 'busybox', 'sh', '-c', 'exit 42'])).code).toBe(42);
      const missing = await sandbox.run(['run', '--rm', '--init', 'busybox', 'nope']);
      expect(missing.code).toBe(127);
      await sandbox.ok(['rm', 'i1', 'i2']);
    });
  });
});
