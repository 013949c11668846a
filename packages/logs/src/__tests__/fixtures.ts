import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatEntry, type StreamName } from '../format';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mydocker-logs-unit-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A timestamp `second` seconds after a fixed instant, as the monitor writes it. */
export function ts(second: number, nanos = 0): string {
  const base = Date.UTC(2026, 10, 28, 1, 57, 0) / 1000 + second;
  return `${new Date(base * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
}

export function entry(second: number, stream: StreamName, data: string | Buffer, partial = false): Buffer {
  return formatEntry(ts(second), stream, partial, data);
}

export function text(lines: Array<{ stream: string; data: Buffer }>): string[] {
  return lines.map((l) => `${l.stream}:${l.data.toString('latin1')}`);
}
