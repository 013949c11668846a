import type { ContainerRecord } from '@mydocker/core';
import { bootTimeMs, CREATING_GRACE_MS, pruneVerdict } from '../commands/system';

const at = (iso: string) => Date.parse(iso);
const record = (status: ContainerRecord['status'], createdAt: string) => ({ status, createdAt }) as ContainerRecord;

describe('system prune verdicts', () => {
  const now = at('2026-01-01T12:00:00Z');
  const boot = at('2026-01-01T08:00:00Z');

  it('keeps what runs and removes what stopped, as Docker does', () => {
    expect(pruneVerdict(record('running', '2026-01-01T11:00:00Z'), true, now, boot)).toBe('keep');
    expect(pruneVerdict(record('stopped', '2026-01-01T11:59:59Z'), false, now, boot)).toBe('remove');
    expect(pruneVerdict(record('running', '2026-01-01T11:59:59Z'), false, now, boot)).toBe('remove');
  });

  it('leaves a fresh "created" record to the run that may still be making it', () => {
    expect(pruneVerdict(record('created', '2026-01-01T11:59:30Z'), false, now, boot)).toBe('in-progress');
  });

  it('removes a "created" record older than the grace period or the last boot', () => {
    expect(pruneVerdict(record('created', new Date(now - CREATING_GRACE_MS).toISOString()), false, now, boot)).toBe('remove');
    expect(pruneVerdict(record('created', '2026-01-01T11:59:30Z'), false, now, at('2026-01-01T11:59:50Z'))).toBe('remove');
    expect(pruneVerdict(record('created', 'garbage'), false, now, boot)).toBe('remove');
  });

  it('reads the boot time from /proc/stat', () => {
    expect(bootTimeMs('cpu 1 2 3\nbtime 1700000000\nprocesses 5\n')).toBe(1_700_000_000_000);
    expect(() => bootTimeMs('cpu 1 2 3\n')).toThrow(/btime/);
  });
});
