import { spawnSync } from 'node:child_process';
import { OciError } from './errors';
import type { OciHook } from './spec-types';

/** Runs the runtime-namespace hooks of one stage in order, the container's state JSON on their stdin. */
export function runHooks(
  hooks: OciHook[] | undefined,
  stage: string,
  state: Record<string, unknown>,
  onError: 'fail' | 'warn',
  warn: (m: string) => void,
): void {
  for (const h of hooks ?? []) {
    const [argv0, ...rest] = h.args?.length ? h.args : [h.path];
    const r = spawnSync(h.path, rest, {
      argv0,
      input: JSON.stringify(state),
      env: Object.fromEntries((h.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
      stdio: ['pipe', 'ignore', 'pipe'],
      timeout: h.timeout ? h.timeout * 1000 : undefined,
      killSignal: 'SIGKILL',
    });
    let problem: string | undefined;
    // EPIPE: the hook ended without reading its stdin (say /bin/true); runc's Go exec ignores that too.
    const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
    if (r.error && code !== 'EPIPE') problem = code === 'ETIMEDOUT' ? `timed out after ${h.timeout} s` : r.error.message;
    else if (r.signal) problem = `was killed by ${r.signal}${h.timeout ? ` (timeout ${h.timeout} s)` : ''}`;
    else if (r.status !== 0) problem = `failed with exit code ${r.status}${r.stderr?.length ? `: ${r.stderr.toString().trim().split('\n')[0]}` : ''}`;
    if (!problem) continue;
    const message = `The ${stage} hook ${h.path} ${problem}.`;
    if (onError === 'fail') throw new OciError(message);
    warn(message);
  }
}
