/** How a host tool (mount, ip, iptables-restore, cp, …) ended: its exit code and its whole output. */
export interface CommandResult {
  /** The exit status; 127 when the tool could not be started (not installed), 128 + n when killed by signal n. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** Written to the tool's stdin, which is then closed (always closed: no tool waits on a terminal). */
  input?: string;
  cwd?: string;
}

const SYNC_OUTPUT_LIMIT = 1 << 30;

/** A host tool that exited non-zero (or could not start): the message names it and says its own last word. */
export class CommandFailedError extends Error {
  constructor(
    readonly file: string,
    readonly args: string[],
    readonly result: CommandResult,
  ) {
    const said = result.stderr.trim().split('\n').pop() || `exit ${result.code}`;
    super(`${[file, ...args].join(' ')} failed: ${said}`);
    this.name = 'CommandFailedError';
  }
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

/**
 * Runs a host tool and resolves with how it ended: it never throws, so the caller decides what a non-zero
 * exit means (`ip link show` exiting 1 is "no such link", an answer, not a failure).
 */
export function tryRunCommand(file: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = childProcess().spawn(file, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: `${file}: ${err.message}` }));
    child.on('close', (code, signal) => resolve({ code: code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0), stdout, stderr }));
    // A tool that exits before reading its input closes the pipe: that is its answer, not ours to report.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Runs a host tool that must succeed and resolves with its stdout; a non-zero exit (or a tool that is not
 * installed) rejects with a CommandFailedError whose message ends with the tool's last stderr line, and
 * which carries the whole result (stdout included: `getfattr` lists what it found even when it exits 1).
 */
export async function runCommand(file: string, args: string[], options: CommandOptions = {}): Promise<string> {
  const result = await tryRunCommand(file, args, options);
  if (result.code !== 0) throw new CommandFailedError(file, args, result);
  return result.stdout;
}

/**
 * tryRunCommand for code that cannot wait (a storage driver's synchronous tree copy): the same result, the
 * same 127 for a tool that is not installed and 128 + n for a signal. It blocks the process: use it only
 * where the caller is synchronous anyway.
 */
export function tryRunCommandSync(file: string, args: string[], options: CommandOptions = {}): CommandResult {
  const r = childProcess().spawnSync(file, args, { cwd: options.cwd, input: options.input ?? '', encoding: 'utf8', maxBuffer: SYNC_OUTPUT_LIMIT });
  if (r.error && r.status === null && !r.signal) return { code: 127, stdout: r.stdout ?? '', stderr: `${file}: ${r.error.message}` };
  const code = r.status ?? 128 + (r.signal ? (SIGNAL_NUMBERS[r.signal] ?? 0) : 0);
  return { code, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** runCommand's synchronous twin: stdout, or a CommandFailedError carrying the whole result. */
export function runCommandSync(file: string, args: string[], options: CommandOptions = {}): string {
  const result = tryRunCommandSync(file, args, options);
  if (result.code !== 0) throw new CommandFailedError(file, args, result);
  return result.stdout;
}

/**
 * node:child_process on the first host tool: core is loaded by every command, and child_process brings
 * net, dgram and the stream stack (~9 ms), which `ps`, `stop` and `rm` of a container without a network do not need.
 */
function childProcess(): typeof import('node:child_process') {
  return require('node:child_process') as typeof import('node:child_process');
}
