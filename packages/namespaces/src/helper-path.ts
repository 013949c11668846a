import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MydockerError } from '@mydocker/core';

/** dist/mydocker-init beside the compiled driver (src/ in tests resolves to the sibling dist/). */
export function helperPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MYDOCKER_INIT) return env.MYDOCKER_INIT;
  const candidates = [join(__dirname, 'mydocker-init'), join(__dirname, '..', 'dist', 'mydocker-init')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new MydockerError('The runtime helper mydocker-init is missing: rebuild @mydocker/namespaces (npm run build -w @mydocker/namespaces).');
  return found;
}
