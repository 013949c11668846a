import { goG, humanSize } from '../units';

describe("go-units' HumanSize", () => {
  it.each([
    [0, 4, '0B'],
    [999, 4, '999B'],
    [1_234_567, 3, '1.23MB'],
    [1_500_000, 3, '1.5MB'],
    [16_430_000, 4, '16.43MB'],
    [999_999, 3, '1e+03kB'],
    [2_000_000_000_000, 4, '2TB'],
  ])('%d bytes at precision %d is %s', (bytes, precision, text) => expect(humanSize(bytes, precision)).toBe(text));

  it("formats as Go's %g: trailing zeros dropped, an exponent at the precision", () => {
    expect(goG(12.5, 3)).toBe('12.5');
    expect(goG(0.00001234, 3)).toBe('1.23e-05');
  });
});
