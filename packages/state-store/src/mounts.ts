import { parseMountInfo } from '@mydocker/core';
import { readFile } from 'node:fs/promises';

/** Mount points at or below `dir`. */
export async function mountsUnder(dir: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  return parseMountInfo(text)
    .map((m) => m.mountPoint)
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}
