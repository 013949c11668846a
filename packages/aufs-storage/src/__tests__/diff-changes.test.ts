import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inLayers, layerChanges } from '../diff/changes';

describe('layerChanges (docker diff from an overlay-format diff)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'diff-changes-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('A for what the image lacks (and all below it), C for what it has, D for a whiteout; sorted by path', async () => {
    const lower = join(dir, 'lower');
    const upper = join(dir, 'upper');
    mkdirSync(join(lower, 'etc'), { recursive: true });
    mkdirSync(join(lower, 'bin'), { recursive: true });
    writeFileSync(join(lower, 'etc', 'motd'), 'old');
    writeFileSync(join(lower, 'bin', 'cat'), '');
    mkdirSync(join(upper, 'etc'), { recursive: true });
    mkdirSync(join(upper, 'data', 'sub'), { recursive: true });
    mkdirSync(join(upper, 'bin'));
    writeFileSync(join(upper, 'etc', 'motd'), 'new');
    writeFileSync(join(upper, 'data', 'sub', 'f'), '');
    // A symlink is listed, never followed (its target is outside everything).
    symlinkSync('/etc/shadow', join(upper, 'etc', 'link'));
    execFileSync('mknod', [join(upper, 'bin', 'cat'), 'c', '0', '0']);
    const changes = await layerChanges(upper, inLayers([lower]));
    expect(changes.map((c) => `${c.kind} ${c.path}`)).toEqual([
      'C /bin',
      'D /bin/cat',
      'A /data',
      'A /data/sub',
      'A /data/sub/f',
      'C /etc',
      'A /etc/link',
      'C /etc/motd',
    ]);
  });

  it('leaves out the paths it is told to skip (mount points of binds and volumes)', async () => {
    const upper = join(dir, 'upper');
    mkdirSync(join(upper, 'etc'), { recursive: true });
    writeFileSync(join(upper, 'etc', 'hosts'), '');
    const changes = await layerChanges(upper, inLayers([]), new Set(['/etc/hosts']));
    expect(changes).toEqual([{ kind: 'A', path: '/etc' }]);
  });
});
