import { UsageError } from '@mydocker/core';

/** ENOSPC, from Node itself or from a tool we ran (cp, mknod) that printed strerror's text. */
export function isNoSpace(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  return e?.code === 'ENOSPC' || e?.code === 'EDQUOT' || /No space left on device|Disk quota exceeded/i.test(String(e?.message ?? ''));
}

/** The one sentence every full-disk failure of the storage plugin gives. */
export function noSpace(path: string): UsageError {
  return new UsageError(`No space left on ${path}: free space and retry.`);
}
