import { parseMountInfo } from '@mydocker/core';
import { readFileSync } from 'node:fs';

/** Mount points at or below `dir`. */
export async function mountsUnder(dir: string): Promise<string[]> {
  let text: string;
  try {
    // Synchronous: procfs answers at once, an asynchronous read is several thread-pool round trips.
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  return parseMountInfo(text)
    .map((m) => m.mountPoint)
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}
