import { inputEndOf, stdinOnce } from '../attach-input';

describe('stdinOnce', () => {
  it("follows docker's CLI without an explicit flag: -i in the foreground or at create, not -di", () => {
    expect(stdinOnce({ interactive: true, detach: false })).toBe(true);
    expect(stdinOnce({ interactive: true, detach: true })).toBe(false);
    expect(stdinOnce({ interactive: false, detach: false })).toBe(false);
  });
  it("takes the Engine API's StdinOnce over the CLI's rule, either way", () => {
    expect(stdinOnce({ interactive: true, detach: true, stdinOnce: true })).toBe(true);
    expect(stdinOnce({ interactive: true, detach: false, stdinOnce: false })).toBe(false);
  });
});

describe('inputEndOf', () => {
  it('closes the stdin of a StdinOnce container without a TTY', () => {
    expect(inputEndOf({ interactive: true, detach: false, tty: false })).toBe('close-container-stdin');
  });
  it('ends only the attach output for a container that keeps its stdin (run -di) or has a TTY', () => {
    expect(inputEndOf({ interactive: true, detach: true, tty: false })).toBe('end-attach-output');
    expect(inputEndOf({ interactive: true, detach: false, tty: true })).toBe('end-attach-output');
    expect(inputEndOf({ interactive: true, detach: true, tty: false, stdinOnce: true })).toBe('close-container-stdin');
  });
});
