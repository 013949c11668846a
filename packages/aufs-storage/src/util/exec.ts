import { execFile } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** Runs a host tool, rejecting with its stderr (one line) when it fails. */
export function exec(file: string, args: string[], options: { cwd?: string } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: options.cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const detail = (stderr || err.message).trim().split('\n').pop();
        const e = new Error(`${file} ${args.join(' ')}: ${detail}`) as Error & { code?: unknown; stdout?: string };
        e.code = (err as NodeJS.ErrnoException).code;
        e.stdout = stdout;
        reject(e);
      } else resolve({ stdout, stderr });
    });
  });
}
