import type { Duplex } from 'node:stream';
import { ApiService } from './engine-api-harness';
import { runProcess, Sandbox, waitFor } from './harness';

/**
 * A client whose stdin ends before the container has written anything: the docker CLI half-closes the
 * hijacked attach connection at its stdin's EOF (CloseWrite), dockerode's stream.end() does the same.
 * Moby's rule (stream.CopyStreams): a StdinOnce container without a TTY has its stdin closed, and the
 * output it writes afterwards still reaches the client, the connection ending only after it — for
 * `run -i`, `run -it` (through a pty), and attach before or after start. Otherwise (no StdinOnce, or a
 * TTY) the container's stdin stays and this attach's output ends at once.
 * ATTACH_EOF_ROUNDS repeats each case (a flake shows in a loop, not in one run).
 */
const sandbox = new Sandbox('apieof', { defaultNetwork: 'none' });
const api = new ApiService(sandbox);
const ROUNDS = Number(process.env.ATTACH_EOF_ROUNDS ?? 2);
// Reads one line, and answers only after its stdin is gone: nothing is written before the client's EOF.
const READ_THEN_ANSWER = 'read a; sleep 0.3; echo got:$a';

beforeAll(async () => {
  await api.start();
});

afterAll(async () => {
  expect([0, 'SIGTERM']).toContain(await api.stop());
  expect(await sandbox.destroy()).toEqual([]);
});

/** Runs ROUNDS times; the rounds that failed, with what they printed. */
async function rounds(one: () => Promise<string | undefined>): Promise<string[]> {
  const failed: string[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const problem = await one();
    if (problem !== undefined) failed.push(`round ${i + 1}: ${problem}`);
  }
  return failed;
}

/** Everything the hijacked stream carries until the service ends it (or TIMEOUT, then undefined). */
function readToEnd(stream: Duplex, timeoutMs = 30_000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => undefined);
    stream.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** The payloads of Docker's multiplexed stream (8-byte headers), stdout and stderr together. */
function demux(buf: Buffer): string {
  let out = '';
  for (let at = 0; at + 8 <= buf.length;) {
    const len = buf.readUInt32BE(at + 4);
    out += buf.subarray(at + 8, at + 8 + len).toString();
    at += 8 + len;
  }
  return out;
}

describe('Engine API: stdin ends before the output', () => {
  it('printf x | docker run -i: the CLI half-closes at EOF; got:x still comes out, exit 0', async () => {
    const failed = await rounds(async () => {
      const r = await api.docker(['run', '-i', '--rm', 'busybox', 'sh', '-c', READ_THEN_ANSWER], { input: 'x\n' });
      return r.stdout === 'got:x\n' && r.code === 0 ? undefined : JSON.stringify(r);
    });
    expect(failed).toEqual([]);
  });

  it("printf 'x\\ny\\n' | docker run -i busybox cat: StdinOnce closes the container's stdin at the client's EOF, so cat ends", async () => {
    const r = await api.docker(['run', '-i', '--rm', 'busybox', 'cat'], { input: 'x\ny\n', timeoutMs: 30_000 });
    expect(r).toMatchObject({ code: 0, stdout: 'x\ny\n' });
    // A script's usual form: the whole input through a filter, then its exit code.
    const counted = await api.docker(['run', '-i', '--rm', 'busybox', 'sh', '-c', 'wc -l; exit 7'], { input: 'a\nb\nc\n', timeoutMs: 30_000 });
    expect(counted).toMatchObject({ code: 7, stdout: '3\n' });
  });

  it("without StdinOnce the input's end ends only that attach: the container keeps its stdin for the next client; docker attach waits for the exit code", async () => {
    const Docker = (await import('dockerode')).default;
    const docker = new Docker({ socketPath: api.socket });
    const echo = 'while read l; do [ "$l" = quit ] && exit 4; echo "got:$l"; done';
    const container = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', echo], OpenStdin: true, StdinOnce: false, AttachStdin: true });
    try {
      await container.start();
      const first = (await container.attach({ stream: true, stdin: true, stdout: true, hijack: true })) as Duplex;
      const firstAll = readToEnd(first, 10_000);
      first.end('one\n');
      expect(await firstAll).toBeDefined(); // the service closed it: moby closes the attach's output streams
      expect((await container.inspect()).State.Running).toBe(true);
      expect((await container.inspect()).Config.StdinOnce).toBe(false);

      // The docker CLI's attach, its piped input ended: its output is over, and it waits (docker/cli attach.go getExitStatus).
      const cli = api.docker(['attach', container.id], { input: 'two\n', timeoutMs: 30_000 });
      let cliDone = false;
      void cli.then(() => (cliDone = true));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(cliDone).toBe(false);
      const last = (await container.attach({ stream: true, stdin: true, stdout: true, hijack: true })) as Duplex;
      const lastOut: Buffer[] = [];
      last.on('data', (c: Buffer) => lastOut.push(c));
      last.write('three\n');
      // Its own input ends its output too: the answer is awaited before the end.
      expect(
        await waitFor(
          () => demux(Buffer.concat(lastOut)),
          (t) => t.includes('got:three'),
        ),
      ).toContain('got:three');
      last.end('quit\n');
      expect(await cli).toMatchObject({ code: 4 });
      expect((await container.inspect()).State.ExitCode).toBe(4);
      expect((await container.logs({ stdout: true })).toString()).toContain('got:two');
    } finally {
      await container.remove({ force: true });
    }
  });

  // The first is the flaky test's command (engine-api-admin) as it is; the second delays the answer past the input's end.
  for (const script of ['read line; echo got:$line; exit 3', `${READ_THEN_ANSWER}; exit 3`]) {
    it(`docker run -it through a pty whose input ends (script sends EOF): ${script}`, async () => {
      const cmd = `/usr/bin/docker run -it --rm busybox sh -c '${script}'`;
      const failed = await rounds(async () => {
        const r = await runProcess('/usr/bin/script', ['-qec', cmd, '/dev/null'], { env: api.dockerEnv }, { input: 'x\n', timeoutMs: 90_000 });
        return /got:x\r?\n/.test(r.stdout) && r.code === 3 ? undefined : JSON.stringify(r);
      });
      expect(failed).toEqual([]);
    });
  }

  for (const tty of [false, true]) {
    for (const when of ['before start', 'to a running container'] as const) {
      it(`dockerode attach ${when}${tty ? ' with a TTY' : ''}, stream.end() after the line: ${tty ? 'the attach ends at once' : 'the answer arrives, then the end'}`, async () => {
        const Docker = (await import('dockerode')).default;
        const docker = new Docker({ socketPath: api.socket });
        const failed = await rounds(async () => {
          const container = await docker.createContainer({
            Image: 'busybox',
            Cmd: ['sh', '-c', READ_THEN_ANSWER],
            Tty: tty,
            OpenStdin: true,
            StdinOnce: true,
            AttachStdin: true,
            AttachStdout: true,
            AttachStderr: true,
          });
          try {
            if (when === 'to a running container') await container.start();
            const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as Duplex;
            const all = readToEnd(stream);
            if (when === 'before start') await container.start();
            stream.end('x\n');
            const got = await all;
            const text = got === undefined ? undefined : tty ? got.toString() : demux(got);
            const exit = await container.wait();
            if (text === undefined) return 'the stream did not end';
            // A pty passes no end of input on: with a TTY the attach's output ends at once, before the answer.
            return text.includes('got:x') === !tty && exit.StatusCode === 0 ? undefined : JSON.stringify({ text, exit });
          } finally {
            await container.remove({ force: true });
          }
        });
        expect(failed).toEqual([]);
      });
    }
  }
});
