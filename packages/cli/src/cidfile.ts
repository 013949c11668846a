import { MydockerError, UsageError } from '@mydocker/core';
import { existsSync, linkSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * `--cidfile FILE`, as Docker: refused before anything is made when FILE exists (another container may
 * own it), then written once the container exists. The id is written to a temporary file beside FILE and
 * hard-linked into place, so FILE appears whole or not at all, and a file that appeared meanwhile is never
 * overwritten (link(2) fails with EEXIST where rename(2) would replace it).
 */
export function checkCidFile(raw: string, cwd = process.cwd()): string {
  if (raw === '') throw new UsageError('The --cidfile flag needs a file name.');
  const path = resolve(cwd, raw);
  if (existsSync(path)) throw new UsageError(`Container ID file found, make sure the other container isn't running or delete ${path}.`);
  return path;
}

export function writeCidFile(path: string, id: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, id, { flag: 'wx', mode: 0o644 });
    linkSync(temp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && existsSync(path)) throw new UsageError(`Container ID file found, make sure the other container isn't running or delete ${path}.`);
    const why =
      code === 'ENOENT'
        ? 'its directory does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'ENOTDIR'
            ? 'a part of its path is not a directory'
            : (err as Error).message;
    throw new MydockerError(`Failed to create the container ID file ${path}: ${why}.`);
  } finally {
    rmSync(temp, { force: true });
  }
}
