import { UsageError } from '@mydocker/core';
import { isReportable, writeError } from '../error-output';

function capture(err: unknown, env: NodeJS.ProcessEnv = {}): { text: string; code: number } {
  let text = '';
  const stream = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
  const code = writeError(stream, err, env);
  return { text, code };
}

describe('writeError', () => {
  it('prints one line with one "Error: " for mydocker errors and errnos', () => {
    expect(capture(new UsageError('Error: No such container: x.'))).toEqual({ text: 'Error: No such container: x.\n', code: 125 });
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(capture(enospc)).toEqual({ text: 'Error: No space left on the device: free space and retry.\n', code: 125 });
  });

  it('names a bug as internal and keeps its stack trace for MYDOCKER_DEBUG=1', () => {
    const bug = new TypeError('x is not a function');
    const quiet = capture(bug);
    expect(quiet.text).toBe('Error: x is not a function (an internal error; MYDOCKER_DEBUG=1 prints its stack trace).\n');
    const loud = capture(bug, { MYDOCKER_DEBUG: '1' });
    expect(loud.text.split('\n')[0]).toBe('Error: x is not a function (an internal error).');
    expect(loud.text).toMatch(/\n\s+at /);
    expect(loud.text.match(/Error: /g)).toHaveLength(1);
  });
});

describe('isReportable', () => {
  it('lets a multi-name command go on after mydocker errors and errnos, not after a bug', () => {
    expect(isReportable(new UsageError('x'))).toBe(true);
    expect(isReportable(Object.assign(new Error('x'), { code: 'EBUSY' }))).toBe(true);
    expect(isReportable(new TypeError('x'))).toBe(false);
  });
});
