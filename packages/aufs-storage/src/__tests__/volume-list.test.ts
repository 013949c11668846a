import { MydockerError } from '@mydocker/core';
import { parseVolumeFilters, volumeInspectView, volumeMatches, volumeRow } from '../volumes/volume-list';

const named = { name: 'data', anonymous: false, createdAt: '2026-11-30T00:00:00Z', mountpoint: '/v/data/_data' };
const anon = { name: 'a'.repeat(64), anonymous: true, createdAt: '2026-11-30T00:00:00Z', mountpoint: '/v/a/_data' };

describe('volume ls', () => {
  it("gives Docker's fields and inspect view", () => {
    expect(volumeRow(anon)).toMatchObject({ Name: anon.name, Driver: 'local', Scope: 'local', Labels: 'com.docker.volume.anonymous=' });
    expect(volumeInspectView(named)).toEqual({
      CreatedAt: named.createdAt,
      Driver: 'local',
      Labels: {},
      Mountpoint: named.mountpoint,
      Name: 'data',
      Options: {},
      Scope: 'local',
    });
  });

  it('filters name (substring), label (key or key=value), dangling (no container uses it)', () => {
    const m = (v: typeof named, inUse: string[], ...f: string[]) => volumeMatches(v, parseVolumeFilters(f), new Set(inUse));
    expect(m(named, [], 'name=at')).toBe(true);
    expect(m(named, [], 'name=x')).toBe(false);
    expect(m(anon, [], 'label=com.docker.volume.anonymous')).toBe(true);
    expect(m(named, [], 'label=com.docker.volume.anonymous')).toBe(false);
    expect(m(named, [], 'dangling=true')).toBe(true);
    expect(m(named, ['data'], 'dangling=true')).toBe(false);
    expect(m(named, ['data'], 'dangling=false', 'name=da')).toBe(true);
    expect(() => parseVolumeFilters(['dangling=maybe'])).toThrow(MydockerError);
    expect(() => parseVolumeFilters(['size=1'])).toThrow("Invalid filter 'size'.");
  });
});
