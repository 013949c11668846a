import { newSha256, randomHex } from '../random';

describe('randomHex', () => {
  it('gives the asked number of bytes as lower-case hex, different each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const hex = randomHex(32);
      expect(hex).toMatch(/^[0-9a-f]{64}$/);
      seen.add(hex);
    }
    expect(seen.size).toBe(200);
    expect(randomHex(1)).toMatch(/^[0-9a-f]{2}$/);
  });

  it('spreads its bytes over every value (not a constant or a counter)', () => {
    const counts = new Array(256).fill(0);
    const hex = randomHex(256 * 64);
    for (let i = 0; i < hex.length; i += 2) counts[parseInt(hex.slice(i, i + 2), 16)]++;
    // 64 expected per value; a generator stuck on a few values leaves most of them at 0.
    expect(Math.min(...counts)).toBeGreaterThan(20);
    expect(Math.max(...counts)).toBeLessThan(120);
  });
});

describe('newSha256', () => {
  it('is SHA-256', () => {
    expect(newSha256().update('abc').digest('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
