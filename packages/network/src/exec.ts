import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a host tool (ip, iptables-restore, nsenter) with optional stdin; never throws. */
export function exec(file: string, args: string[], input?: string): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: `${file}: ${err.message}` }));
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** Like exec, but a failure is an Error carrying the tool's own message. */
export async function run(file: string, args: string[], input?: string): Promise<string> {
  const r = await exec(file, args, input);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}
