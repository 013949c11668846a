import type { ContainerRecord } from '@mydocker/core';
import { pruneVerdict } from '../commands/system';

const record = (status: ContainerRecord['status']) => ({ status }) as ContainerRecord;

describe('system prune verdicts', () => {
  it('keeps what runs and removes what stopped, as Docker does', () => {
    expect(pruneVerdict(record('running'), true, false)).toBe('keep');
    expect(pruneVerdict(record('stopped'), false, false)).toBe('remove');
    expect(pruneVerdict(record('running'), false, false)).toBe('remove');
  });

  it('leaves a "created" record to the live mydocker process that is making it', () => {
    expect(pruneVerdict(record('created'), false, true)).toBe('in-progress');
  });

  it('removes a "created" record whose creator is gone (a crash left it)', () => {
    expect(pruneVerdict(record('created'), false, false)).toBe('remove');
  });

  it('judges only created records by their creator', () => {
    expect(pruneVerdict(record('stopped'), false, true)).toBe('remove');
    expect(pruneVerdict(record('running'), true, true)).toBe('keep');
  });
});
