import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeTree } from '../remove-tree';

describe('removeTree', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mydocker-rmtree-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('removes a nested tree, more entries than one turn, without following symbolic links out of it', async () => {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep'), 'x');
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'a', 'b', 'c'), { recursive: true });
    for (let i = 0; i < 600; i++) writeFileSync(join(tree, 'a', `f${i}`), '');
    symlinkSync(outside, join(tree, 'a', 'b', 'link-to-dir'));
    symlinkSync(join(outside, 'keep'), join(tree, 'link-to-file'));
    symlinkSync(join(dir, 'nowhere'), join(tree, 'a', 'b', 'c', 'dangling'));
    await removeTree(tree);
    expect(existsSync(tree)).toBe(false);
    expect(readdirSync(outside)).toEqual(['keep']);
  });

  it('is quiet about a path that is not there, and removes a single file or link', async () => {
    await removeTree(join(dir, 'missing'));
    writeFileSync(join(dir, 'file'), 'x');
    symlinkSync(join(dir, 'file'), join(dir, 'link'));
    await removeTree(join(dir, 'link'));
    expect(readdirSync(dir)).toEqual(['file']);
    await removeTree(join(dir, 'file'));
    expect(readdirSync(dir)).toEqual([]);
  });
});
