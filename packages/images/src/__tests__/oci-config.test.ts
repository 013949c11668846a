import { classifyTarPath, opaqueTarPath, whiteoutTarPath } from '../layer/whiteouts';
import { checkConfig, isValidReference, makeConfig, normalizeReference, toImageConfig } from '../store/oci-config';

describe('whiteout names', () => {
  it('classifies tar entries', () => {
    expect(classifyTarPath('etc/.wh.passwd')).toEqual({ kind: 'whiteout', path: 'etc/passwd' });
    expect(classifyTarPath('./.wh.gone')).toEqual({ kind: 'whiteout', path: 'gone' });
    expect(classifyTarPath('var/lib/.wh..wh..opq')).toEqual({ kind: 'opaque', dir: 'var/lib' });
    expect(classifyTarPath('.wh..wh..opq')).toEqual({ kind: 'opaque', dir: '' });
    expect(classifyTarPath('.wh..wh.plnk/123')).toBeUndefined();
    expect(classifyTarPath('.wh..wh.aufs')).toEqual({ kind: 'meta' });
    expect(classifyTarPath('etc/passwd')).toBeUndefined();
    expect(classifyTarPath('etc/x.wh.y')).toBeUndefined();
  });
  it('writes them back', () => {
    expect(whiteoutTarPath('etc/passwd')).toBe('etc/.wh.passwd');
    expect(whiteoutTarPath('top')).toBe('.wh.top');
    expect(opaqueTarPath('a/b')).toBe('a/b/.wh..wh..opq');
    expect(opaqueTarPath('')).toBe('.wh..wh..opq');
  });
});

describe('image config', () => {
  it('normalizes references', () => {
    expect(normalizeReference('busybox')).toBe('busybox:latest');
    expect(normalizeReference('docker.io/library/busybox:1.36')).toBe('busybox:1.36');
    expect(normalizeReference('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(isValidReference('my-app/x_y:v1.0')).toBe(true);
    expect(isValidReference('Bad:latest')).toBe(false);
    expect(isValidReference('a b:latest')).toBe(false);
  });
  it('converts to the engine ImageConfig with defaults', () => {
    const oci = makeConfig({ diffIds: ['a'.repeat(64)], created: '2024-01-01T00:00:00Z', createdBy: 't', config: { Env: ['PATH=/bin'], Cmd: ['sh'] } });
    expect(oci.rootfs.diff_ids).toEqual([`sha256:${'a'.repeat(64)}`]);
    expect(toImageConfig(oci)).toEqual({
      env: ['PATH=/bin'],
      cmd: ['sh'],
      entrypoint: [],
      workdir: '/',
      user: undefined,
      volumes: [],
      exposedPorts: [],
      stopSignal: undefined,
      labels: {},
    });
    const child = makeConfig({ base: oci, diffIds: [...oci.rootfs.diff_ids, 'b'.repeat(64)], created: '2024-01-02T00:00:00Z', createdBy: 'commit' });
    expect(child.config?.Cmd).toEqual(['sh']);
    expect(child.history).toHaveLength(2);
    expect(() => checkConfig({ rootfs: { diff_ids: ['nope'] } }, 'x')).toThrow(/invalid layer digest/);
    expect(() => checkConfig({}, 'x')).toThrow(/no rootfs/);
  });
});
