import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, waitFor } from './harness';

const sandbox = new Sandbox('logs', { defaultNetwork: 'none' });

afterAll(async () => {
  expect(await sandbox.destroy()).toEqual([]);
});

async function runDetached(args: string[]): Promise<string> {
  return (await sandbox.ok(['run', '-d', ...args])).trim();
}

async function status(ref: string): Promise<string> {
  const r = await sandbox.run(['container-record', ref]);
  if (r.code !== 0) return 'gone';
  const parsed = JSON.parse(r.stdout);
  return (Array.isArray(parsed) ? parsed[0] : parsed).status;
}

async function waitStopped(ref: string): Promise<void> {
  expect(
    await waitFor(
      () => status(ref),
      (s) => s === 'stopped',
      20_000,
    ),
  ).toBe('stopped');
}

describe('logs', () => {
  let id: string;

  beforeAll(async () => {
    id = await runDetached(['--name', 'both', 'busybox', 'sh', '-c', 'echo out; echo err >&2; echo out2']);
    await waitStopped('both');
  });

  it('prints stdout entries to stdout and stderr entries to stderr', async () => {
    const r = await sandbox.run(['logs', 'both']);
    expect(r).toEqual({ code: 0, stdout: 'out\nout2\n', stderr: 'err\n' });
    expect((await sandbox.run(['logs', id.slice(0, 10)])).stdout).toBe('out\nout2\n');
  });

  it('-t prefixes each line with its RFC 3339 nano timestamp', async () => {
    const r = await sandbox.run(['logs', '-t', 'both']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out2\n$/);
    expect(r.stderr).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z err\n$/);
  });

  it('--tail N shows the last lines only', async () => {
    await runDetached(['--name', 'counter', 'busybox', 'sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done']);
    await waitStopped('counter');
    expect(await sandbox.ok(['logs', '--tail', '2', 'counter'])).toBe('line4\nline5\n');
    expect(await sandbox.ok(['logs', '--tail', 'all', 'counter'])).toBe('line1\nline2\nline3\nline4\nline5\n');
  });

  it('--since and --until take RFC 3339 times and durations', async () => {
    expect((await sandbox.run(['logs', '--since', '10m', 'both'])).stdout).toBe('out\nout2\n');
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await sandbox.run(['logs', '--since', future, 'both'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await sandbox.run(['logs', '--until', '2000-01-01T00:00:00Z', 'both'])).stdout).toBe('');
    const bad = await sandbox.run(['logs', '--since', 'tomorrow', 'both']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain('Invalid value "tomorrow" for --since');
  });

  it('-f follows the output and exits 0 when the container stops', async () => {
    await runDetached(['--name', 'slow', 'busybox', 'sh', '-c', 'echo start; sleep 2; echo end; echo fin >&2']);
    const started = Date.now();
    const r = await sandbox.run(['logs', '-f', 'slow'], { timeoutMs: 30_000 });
    expect(r).toEqual({ code: 0, stdout: 'start\nend\n', stderr: 'fin\n' });
    expect(Date.now() - started).toBeGreaterThan(1000);
  });

  it('rotates with --log-opt max-size=1k --log-opt max-file=2, keeping at most 2 files', async () => {
    const rid = await runDetached([
      '--name',
      'chatty',
      '--log-opt',
      'max-size=1k',
      '--log-opt',
      'max-file=2',
      'busybox',
      'sh',
      '-c',
      'i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done',
    ]);
    await waitStopped('chatty');
    const dir = join(sandbox.root, 'containers', rid);
    const logFiles = readdirSync(dir).filter((f) => f.startsWith('container.log'));
    expect(logFiles.sort()).toEqual(['container.log', 'container.log.1']);
    const lines = (await sandbox.ok(['logs', 'chatty'])).split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.length).toBeLessThan(300);
    expect(lines[lines.length - 1]).toBe('line-299');
    const first = Number(lines[0].slice('line-'.length));
    expect(lines).toEqual(Array.from({ length: lines.length }, (_, i) => `line-${first + i}`));
  });

  it('rm removes the logs with the container', async () => {
    const dir = join(sandbox.root, 'containers', id);
    expect(existsSync(join(dir, 'container.log'))).toBe(true);
    await sandbox.ok(['rm', 'both']);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses an unknown container and bad --log-opt with one sentence and exit 125', async () => {
    const unknown = await sandbox.run(['logs', 'nosuch']);
    expect(unknown.code).toBe(125);
    expect(unknown.stderr.trim()).toMatch(/No such container: nosuch$/);
    const before = (await sandbox.ok(['ps', '-a', '-q'])).split('\n').filter(Boolean).length;
    const bad = await sandbox.run(['run', '-d', '--log-opt', 'max-size=huge', 'busybox', 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('Invalid --log-opt max-size "huge"');
    expect((await sandbox.ok(['ps', '-a', '-q'])).split('\n').filter(Boolean).length).toBe(before);
  });
});
