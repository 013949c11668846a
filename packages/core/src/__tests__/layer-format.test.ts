import { isWhiteoutStat, OPAQUE_VALUE, opaqueSetfattrArgs, whiteoutMknodArgs } from '../layer-format';
import { OPAQUE_XATTR } from '../storage-driver';

const stat = (charDevice: boolean, rdev: number) => ({ isCharacterDevice: () => charDevice, rdev });

describe('overlay layer format', () => {
  it('reads a whiteout as a character device 0:0 and nothing else', () => {
    expect(isWhiteoutStat(stat(true, 0))).toBe(true);
    expect(isWhiteoutStat(stat(true, 0x0103))).toBe(false); // /dev/null is 1:3
    expect(isWhiteoutStat(stat(false, 0))).toBe(false);
  });

  it('spells the mknod of a whiteout and the setfattr of an opaque directory', () => {
    expect(whiteoutMknodArgs('/l/gone')).toEqual(['-m', '000', '/l/gone', 'c', '0', '0']);
    expect(opaqueSetfattrArgs('/l/dir')).toEqual(['-n', 'trusted.overlay.opaque', '-v', 'y', '/l/dir']);
    expect([OPAQUE_XATTR, OPAQUE_VALUE]).toEqual(['trusted.overlay.opaque', 'y']);
  });
});
