import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLayer, dir, expectedView, file, isOpaque, isWhiteout, snapshotTree, standardLayers, symlink, whiteout } from '..';

describe('expectedView (the reference model)', () => {
  it('lets an upper file replace a lower dir and its contents', () => {
    const view = expectedView([[file('a/b', '1')], [file('a', '2')]]);
    expect([...view.keys()]).toEqual(['a']);
    expect(view.get('a')).toMatchObject({ type: 'file', content: '2' });
  });

  it('merges directories, and an opaque one hides what is below', () => {
    const merged = expectedView([[file('d/x', 'x')], [file('d/y', 'y')]]);
    expect([...merged.keys()].sort()).toEqual(['d', 'd/x', 'd/y']);
    const opaque = expectedView([[file('d/x', 'x')], [dir('d', { opaque: true }), file('d/y', 'y')]]);
    expect([...opaque.keys()].sort()).toEqual(['d', 'd/y']);
  });

  it('deletes a whited-out path with everything under it, and a higher layer may bring it back', () => {
    const gone = expectedView([[file('d/x', 'x'), file('keep', 'k')], [whiteout('d')]]);
    expect([...gone.keys()]).toEqual(['keep']);
    const back = expectedView([[file('d/x', 'x')], [whiteout('d')], [file('d/z', 'z')]]);
    expect([...back.keys()].sort()).toEqual(['d', 'd/z']);
  });

  it('gives the upper dir metadata to a merged dir', () => {
    const view = expectedView([[dir('d', { mode: 0o700, uid: 5 })], [dir('d', { mode: 0o750 })]]);
    expect(view.get('d')).toEqual({ type: 'dir', mode: 0o750, uid: 0, gid: 0 });
  });
});

describe('buildLayer', () => {
  let base: string;
  beforeAll(() => (base = mkdtempSync(join(tmpdir(), 'fixtures-'))));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('writes whiteouts, opaque dirs, modes, owners and symlinks in overlay format', () => {
    const layer = buildLayer(join(base, 'l'), [
      file('bin/x', 'x', { mode: 0o4755, uid: 7, gid: 8, mtime: 1000 }),
      dir('o', { opaque: true }),
      symlink('bin/y', 'x'),
      whiteout('gone'),
    ]);
    expect(isWhiteout(join(layer, 'gone'))).toBe(true);
    expect(isWhiteout(join(layer, 'bin/x'))).toBe(false);
    expect(isOpaque(join(layer, 'o'))).toBe(true);
    expect(isOpaque(join(layer, 'bin'))).toBe(false);
    expect(Object.fromEntries(snapshotTree(layer, { layerFormat: true }))).toEqual({
      bin: 'dir 0755 0:0',
      'bin/x': 'file 4755 7:8 "x" mtime=1000',
      'bin/y': 'symlink -> x',
      gone: 'chardev 0000 0:0 0:0',
      o: 'dir 0755 0:0 opaque',
    });
  });

  it('has three standard layers that exercise every rule', () => {
    const kinds = standardLayers()
      .flat()
      .map((e) => e.type);
    expect(new Set(kinds)).toEqual(new Set(['file', 'dir', 'symlink', 'whiteout']));
  });
});
