import { encodeFrame, FrameDecoder, resizeFrame } from '../attach-frames';

describe('attach frames', () => {
  it('round-trips frames split and joined at any byte', () => {
    const bytes = Buffer.concat([encodeFrame(1, Buffer.from('hello\n')), encodeFrame(2, Buffer.alloc(0)), encodeFrame(3, Buffer.from('42'))]);
    for (let step = 1; step <= bytes.length; step++) {
      const d = new FrameDecoder();
      const frames = [];
      for (let i = 0; i < bytes.length; i += step) frames.push(...d.push(bytes.subarray(i, i + step)));
      expect(frames.map((f) => [f.type, f.payload.toString()])).toEqual([
        [1, 'hello\n'],
        [2, ''],
        [3, '42'],
      ]);
    }
  });
  it('encodes a terminal size as rows then columns', () => {
    expect([...resizeFrame(24, 80)]).toEqual([1, 0, 0, 0, 4, 0, 24, 0, 80]);
  });
});
