import { humanSize as goHumanSize } from '@mydocker/core';

/** "12.3MB"-style sizes, as Docker's SIZE columns print them (go-units, three significant digits). */
export const humanSize = (bytes: number): string => goHumanSize(bytes, 3);

/** "3 minutes ago", as docker's CREATED column. */
export function timeAgo(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'N/A';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'N/A';
  const s = Math.max(0, Math.round((now - t) / 1000));
  const steps: Array<[number, string]> = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [7, 'day'],
    [4.35, 'week'],
    [12, 'month'],
    [Infinity, 'year'],
  ];
  let v = s;
  for (const [size, unit] of steps) {
    if (v < size) {
      if (unit === 'second' && v < 1) return 'Less than a second ago';
      const n = Math.floor(v);
      return `${n === 1 ? (unit === 'hour' ? 'An' : 'A') : n} ${unit}${n === 1 ? '' : 's'} ago`;
    }
    v /= size;
  }
  return 'N/A';
}

/**
 * A progress line on stderr while a large file is read, only when stderr is a terminal (pipes and
 * logs get no carriage-return noise).
 */
export function progress(stream: NodeJS.WritableStream, label: string, total: number): { add(n: number): void; done(): void } {
  const tty = (stream as NodeJS.WriteStream).isTTY === true && total > 8 * 1024 * 1024;
  let seen = 0;
  let last = 0;
  const draw = () => stream.write(`\r${label} ${humanSize(seen)} / ${humanSize(total)} (${Math.floor((seen * 100) / Math.max(total, 1))}%)`);
  return {
    add(n: number) {
      seen += n;
      if (!tty) return;
      const now = Date.now();
      if (now - last >= 100) {
        last = now;
        draw();
      }
    },
    done() {
      if (!tty) return;
      seen = total;
      draw();
      stream.write('\n');
    },
  };
}
