import { CannotExecuteError, describeError, escapeControl, MydockerError, quoteInput, stripErrorPrefixes, UsageError } from '../errors';

const errno = (code: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });
const noMounts = { mountOf: () => undefined };

describe('escapeControl and quoteInput', () => {
  it('writes newlines, tabs, escape sequences, DEL, C1 controls and bidi overrides as escapes', () => {
    expect(escapeControl('a\nb\rc\td')).toBe('a\\nb\\rc\\td');
    expect(escapeControl('\x1b[2K\x00\x7f\x9b')).toBe('\\x1b[2K\\x00\\x7f\\x9b');
    expect(escapeControl('abc\u202eevil\u2028')).toBe('abc\\u202eevil\\u2028');
    expect(escapeControl('plain ünïcode 名前')).toBe('plain ünïcode 名前');
  });

  it('quotes input so that a backslash or quote in it cannot pass for an escape', () => {
    expect(quoteInput('a"b\\n\n')).toBe('"a\\"b\\\\n\\n"');
  });
});

describe('stripErrorPrefixes', () => {
  it('leaves exactly no "Error: " at the start and none nested after a colon', () => {
    expect(stripErrorPrefixes('Error: Error: cp failed')).toBe('cp failed');
    expect(stripErrorPrefixes('Cannot import x: Error: bad tar')).toBe('Cannot import x: bad tar');
    expect(stripErrorPrefixes('TypeError: x is undefined')).toBe('x is undefined');
    expect(stripErrorPrefixes('ErrorCount is 3')).toBe('ErrorCount is 3');
  });
});

describe('describeError', () => {
  it("keeps mydocker's own sentence and exit code, escaping control bytes", () => {
    expect(describeError(new UsageError('Invalid name "a\nb\x1b[31m": use letters.'))).toEqual({
      message: 'Invalid name "a\\nb\\x1b[31m": use letters.',
      exitCode: 125,
      internal: false,
    });
    expect(describeError(new CannotExecuteError('exec /bin/x: permission denied'))).toEqual({
      message: 'exec /bin/x: permission denied',
      exitCode: 126,
      internal: false,
    });
    // Docker's wording, without a full stop, as scripts match it.
    expect(describeError(new UsageError('No such container: nosuch')).message).toBe('No such container: nosuch');
  });

  it('never nests "Error: ", whatever the layers did', () => {
    const wrapped = new MydockerError('Error: Cannot commit web: Error: cp failed.');
    expect(describeError(wrapped).message).toBe('Cannot commit web: cp failed.');
    expect(describeError(new Error('Error: boom')).message).toBe('boom');
  });

  it('turns ENOSPC from Node, from a tool and from a wrapped cause into one sentence, exit 125', () => {
    const node = errno('ENOSPC', "ENOSPC: no space left on device, write '/mnt/small/root/x'", { syscall: 'write', path: '/mnt/small/root/x' });
    expect(describeError(node, { mountOf: () => '/mnt/small' })).toEqual({
      message: 'No space left on /mnt/small (writing /mnt/small/root/x): free space and retry.',
      exitCode: 125,
      internal: false,
    });
    // aufs-storage's exec wraps cp's stderr; the exit status, not an errno, is its code.
    const tool = Object.assign(new Error("cp -a /a /b: cp: error writing '/b/f': No space left on device"), { code: 1 });
    expect(describeError(tool, noMounts).message).toBe('No space left on /b/f: free space and retry.');
    const cause = new MydockerError('Cannot create the layer.');
    (cause as Error & { cause?: unknown }).cause = errno('ENOSPC', 'ENOSPC: no space left on device, write');
    expect(describeError(cause, noMounts).message).toBe('No space left on the device: free space and retry.');
    expect(describeError(errno('EDQUOT', 'EDQUOT: disk quota exceeded, write'), noMounts).message).toBe('No space left on the device: free space and retry.');
  });

  it('names the full root when the ENOSPC names no path', () => {
    const write = errno('ENOSPC', 'ENOSPC: no space left on device, write', { syscall: 'write' });
    const options = { roots: ['/var/lib/mydocker', '/run/mydocker'], isFull: (p: string) => p === '/run/mydocker', mountOf: () => '/run' };
    expect(describeError(write, options).message).toBe('No space left on /run: free space and retry.');
    expect(describeError(write, { ...options, isFull: () => false }).message).toBe('No space left on the device: free space and retry.');
  });

  it('says the mount point once when the full path is the mount itself', () => {
    expect(describeError(errno('ENOSPC', 'ENOSPC', { path: '/mnt/small' }), { mountOf: () => '/mnt/small' }).message).toBe(
      'No space left on /mnt/small: free space and retry.',
    );
  });

  it('turns EROFS, EACCES and EPERM into one sentence naming the path', () => {
    expect(describeError(errno('EROFS', "EROFS: read-only file system, mkdir '/ro/x'", { path: '/ro/x' })).message).toMatch(
      /^read-only file system at \/ro\/x: remount it read-write/,
    );
    expect(describeError(errno('EACCES', "EACCES: permission denied, open '/p'", { path: '/p' })).message).toMatch(
      /^permission denied on \/p: check its owner and mode/,
    );
    expect(describeError(new Error("rm: cannot remove '/imm/f': Operation not permitted")).message).toMatch(/^operation not permitted on \/imm\/f: /);
    for (const code of ['EROFS', 'EACCES', 'EPERM']) expect(describeError(errno(code, code)).exitCode).toBe(125);
  });

  it('gives any other errno as the failed call, its reason and code, without a stack', () => {
    expect(describeError(errno('EBUSY', "EBUSY: resource busy or locked, rmdir '/m/x'", { syscall: 'rmdir', path: '/m/x' }))).toEqual({
      message: 'rmdir /m/x failed: resource busy or locked (EBUSY).',
      exitCode: 125,
      internal: false,
    });
  });

  it('escapes a path an errno carries', () => {
    expect(describeError(errno('ENOENT', 'ENOENT: no such file or directory', { syscall: 'open', path: '/x\ny' })).message).toBe(
      'open /x\\ny failed: no such file or directory (ENOENT).',
    );
  });

  it('marks an error nobody expected as internal', () => {
    expect(describeError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toEqual({
      message: "Cannot read properties of undefined (reading 'x')",
      exitCode: 125,
      internal: true,
    });
    expect(describeError('a string')).toEqual({ message: 'a string', exitCode: 125, internal: false });
    // A plain Error is some layer's refusal that is not (yet) a MydockerError: its text, no hint of a bug.
    expect(describeError(new Error('no free bridge name'))).toEqual({ message: 'no free bridge name', exitCode: 125, internal: false });
  });
});
