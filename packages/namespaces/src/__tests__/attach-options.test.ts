import { attachStreams, containerStdinOnce, DetachKeyScanner, parseDetachKeys } from '../attach-options';

describe('attachStreams (run -a, Docker rules)', () => {
  it('connects stdout and stderr without -a, and stdin only with -i', () => {
    expect(attachStreams({ interactive: false, detach: false })).toEqual({ stdin: false, stdout: true, stderr: true });
    expect(attachStreams({ interactive: true, detach: false })).toEqual({ stdin: true, stdout: true, stderr: true });
  });
  it('connects only the named streams, case-insensitively', () => {
    expect(attachStreams({ attach: ['STDERR'], interactive: false, detach: false })).toEqual({ stdin: false, stdout: false, stderr: true });
    expect(attachStreams({ attach: ['stdin', 'stdout'], interactive: false, detach: false })).toEqual({ stdin: true, stdout: true, stderr: false });
  });
  it('refuses an unknown stream and -a with -d, as Docker does', () => {
    expect(() => attachStreams({ attach: ['stdlog'], interactive: false, detach: false })).toThrow(/valid streams are STDIN, STDOUT and STDERR/);
    expect(() => attachStreams({ attach: ['stdout'], interactive: false, detach: true })).toThrow('Conflicting options: -a and -d');
  });
});

describe('containerStdinOnce (whether the end of a foreground input closes the container stdin)', () => {
  it("follows the container's own flags, not this start's view: run -i and create -i yes, run -di no", () => {
    expect(containerStdinOnce({ interactive: true, detach: false })).toBe(true);
    expect(containerStdinOnce({ interactive: true, detach: true })).toBe(false);
  });
  it("passes the end of input on to a container without -i (run -a stdin, start -ai of one), and keeps the Engine API's explicit StdinOnce", () => {
    expect(containerStdinOnce({ interactive: false, detach: true })).toBe(true);
    expect(containerStdinOnce({ interactive: true, detach: true, stdinOnce: true })).toBe(true);
    expect(containerStdinOnce({ interactive: true, detach: false, stdinOnce: false })).toBe(false);
  });
});

describe('parseDetachKeys', () => {
  it("reads Docker's syntax", () => {
    expect([...parseDetachKeys(undefined)]).toEqual([16, 17]);
    expect([...parseDetachKeys('ctrl-a,x,ctrl-@,ctrl-_')]).toEqual([1, 120, 0, 31]);
    expect([...parseDetachKeys('CTRL-X')]).toEqual([24]);
  });
  it('refuses what is not a key', () => {
    expect(() => parseDetachKeys('ctrl-1')).toThrow(/Invalid detach keys \(ctrl-1\)/);
    expect(() => parseDetachKeys('ab')).toThrow(/Invalid detach keys/);
    expect(() => parseDetachKeys('')).toThrow(/Invalid detach keys/);
  });
});

describe('DetachKeyScanner', () => {
  const keys = Buffer.from([16, 17]);
  it('detaches on the whole sequence, even split across reads', () => {
    const s = new DetachKeyScanner(keys);
    expect(s.feed(Buffer.from('ab\x10'))).toEqual({ forward: Buffer.from('ab'), detach: false });
    expect(s.feed(Buffer.from('\x11'))).toEqual({ forward: Buffer.alloc(0), detach: true });
  });
  it('lets held bytes through when the sequence breaks', () => {
    const s = new DetachKeyScanner(keys);
    expect(s.feed(Buffer.from('\x10x'))).toEqual({ forward: Buffer.from('\x10x'), detach: false });
    expect(s.feed(Buffer.from('\x10\x10\x11'))).toEqual({ forward: Buffer.from('\x10'), detach: true });
  });
});
