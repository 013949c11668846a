import { readFile } from 'node:fs/promises';

/** Mount points at or below `dir` (mountinfo escapes spaces and the like as octal). */
export async function mountsUnder(dir: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    const point = field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
    if (point === dir || point.startsWith(`${dir}/`)) found.push(point);
  }
  return found;
}
