import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MydockerError } from '@mydocker/core';
import { assemble, encode } from './program';
import type { DeviceRule } from './rules';

/** dist/mydocker-devcg beside the compiled code (from src/ in tests, the sibling dist/). */
export function toolPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MYDOCKER_DEVCG) return env.MYDOCKER_DEVCG;
  const candidates = [join(__dirname, 'mydocker-devcg'), join(__dirname, '..', 'mydocker-devcg'), join(__dirname, '..', '..', 'dist', 'mydocker-devcg')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new MydockerError('The device cgroup tool mydocker-devcg is missing: rebuild @mydocker/cgroups (npm run build -w @mydocker/cgroups).');
  return found;
}

function runTool(args: string[], input?: Buffer): string {
  const r = spawnSync(toolPath(), args, { input, encoding: 'buffer', timeout: 10_000 });
  if (r.error) throw new MydockerError(`Cannot run ${toolPath()}: ${r.error.message}.`);
  if (r.status !== 0) {
    const why =
      r.stderr
        .toString()
        .trim()
        .replace(/^mydocker-devcg: /, '') || `exit status ${r.status ?? r.signal}`;
    throw new MydockerError(
      args[0] === 'attach' ? `Cannot set the device rules of the cgroup ${args[1]}: ${why}.` : `mydocker-devcg ${args.join(' ')} failed: ${why}.`,
    );
  }
  return r.stdout.toString();
}

/** cgroup v2: attaches the device program made from `rules` to `dir`, replacing one attached before. */
export function attachDeviceProgram(dir: string, rules: readonly DeviceRule[]): void {
  runTool(['attach', dir], encode(assemble(rules)));
}

/** How many device programs are attached directly to `dir` (for tests and leftover checks). */
export function countDevicePrograms(dir: string): number {
  return Number(runTool(['count', dir]).trim());
}

/** How many device programs made by this tool are still loaded in the kernel, attached or not. */
export function countLoadedDevicePrograms(): number {
  return Number(runTool(['loaded']).trim());
}
