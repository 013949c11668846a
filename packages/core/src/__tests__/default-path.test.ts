import { DEFAULT_PATH, DEFAULT_PATH_ENV } from '../default-path';

describe('default PATH', () => {
  it("is Docker's default, searched from /usr/local down to /bin", () => {
    expect(DEFAULT_PATH.split(':')).toEqual(['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']);
  });

  it('is the same value as an environment entry', () => {
    expect(DEFAULT_PATH_ENV).toBe(`PATH=${DEFAULT_PATH}`);
  });
});
