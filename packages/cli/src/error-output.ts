import { describeError } from '@mydocker/core';

/**
 * Writes an error as the CLI's one line, "Error: " + one sentence, and returns the exit code. A bug (an
 * error no layer expected) says so; its stack trace is printed only with MYDOCKER_DEBUG=1, so users see
 * one line and a developer can still get the trace.
 */
export function writeError(stderr: NodeJS.WritableStream, err: unknown, env: NodeJS.ProcessEnv = process.env, roots: string[] = []): number {
  const { message, exitCode, internal } = describeError(err, { roots });
  if (!internal) {
    stderr.write(`Error: ${message}\n`);
    return exitCode;
  }
  const debug = env.MYDOCKER_DEBUG === '1';
  stderr.write(`Error: ${message.replace(/\.$/, '')} (an internal error${debug ? '' : '; MYDOCKER_DEBUG=1 prints its stack trace'}).\n`);
  if (debug && err instanceof Error && err.stack) stderr.write(`${err.stack.split('\n').slice(1).join('\n')}\n`);
  return exitCode;
}

/** Errors one item of a multi-name command may report and go on: mydocker's own, and errno failures. */
export function isReportable(err: unknown): boolean {
  if (typeof (err as { exitCode?: unknown })?.exitCode === 'number') return true;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}
