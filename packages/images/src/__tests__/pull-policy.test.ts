import { pullPolicy } from '../auto-pull';

describe('--pull', () => {
  it("takes Docker's three policies, missing by default", () => {
    expect(pullPolicy(undefined)).toBe('missing');
    expect(pullPolicy('missing')).toBe('missing');
    expect(pullPolicy('always')).toBe('always');
    expect(pullPolicy('never')).toBe('never');
  });

  it('refuses anything else in one sentence', () => {
    expect(() => pullPolicy('Always')).toThrow('Invalid pull option "Always": must be one of "always", "missing" or "never".');
    expect(() => pullPolicy('')).toThrow(/Invalid pull option ""/);
  });
});
