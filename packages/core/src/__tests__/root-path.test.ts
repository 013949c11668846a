import { resolveInRoot, type Probe } from '../root-path';

/** A fake container filesystem: paths that exist, some of them symlinks. */
function fakeFs(entries: Record<string, string | null>): (c: string[]) => Probe {
  return (components) => {
    const path = `/${components.join('/')}`;
    if (!(path in entries)) return { kind: 'missing' };
    const target = entries[path];
    return target === null ? { kind: 'other' } : { kind: 'symlink', target };
  };
}

const fs = fakeFs({
  '/etc': null,
  '/etc/passwd': null,
  '/data': null,
  '/rootlink': '/',
  '/up': '../../..',
  '/deep': null,
  '/deep/er': null,
  '/deep/er/climb': '../../../../../etc',
  '/abs': '/etc/passwd',
  '/rel': 'etc/passwd',
  '/loop1': 'loop2',
  '/loop2': 'loop1',
  '/self': 'self',
  '/dangling': '/nowhere/at/all',
  '/dirlink': '/data',
});

const resolve = (p: string, follow = true) => resolveInRoot(p, fs, follow);

describe('resolveInRoot', () => {
  it('keeps a plain path as it is', () => {
    expect(resolve('/etc/passwd')).toEqual({ components: ['etc', 'passwd'], exists: true });
  });

  it('re-roots a symlink to / at the container root', () => {
    expect(resolve('/rootlink/etc/passwd')).toEqual({ components: ['etc', 'passwd'], exists: true });
    expect(resolve('/rootlink')).toEqual({ components: [], exists: true });
  });

  it('clamps ../../.. at the container root, in paths and in symlink targets', () => {
    expect(resolve('/../../../etc/passwd').components).toEqual(['etc', 'passwd']);
    expect(resolve('/up/etc/passwd').components).toEqual(['etc', 'passwd']);
    expect(resolve('/deep/er/climb/passwd').components).toEqual(['etc', 'passwd']);
  });

  it('follows absolute and relative symlinks inside the root', () => {
    expect(resolve('/abs').components).toEqual(['etc', 'passwd']);
    expect(resolve('/rel').components).toEqual(['etc', 'passwd']);
    expect(resolve('/dirlink/new-file')).toEqual({ components: ['data', 'new-file'], exists: false });
  });

  it('leaves the final symlink alone unless asked to follow it', () => {
    expect(resolve('/abs', false)).toEqual({ components: ['abs'], exists: true });
    expect(resolve('/rootlink/abs', false).components).toEqual(['abs']);
  });

  it('refuses symlink loops with one sentence', () => {
    expect(() => resolve('/loop1')).toThrow(/Too many levels of symbolic links/);
    expect(() => resolve('/self/x')).toThrow(/Too many levels of symbolic links/);
  });

  it('resolves a dangling symlink to the missing path inside the root', () => {
    expect(resolve('/dangling')).toEqual({ components: ['nowhere', 'at', 'all'], exists: false });
  });

  it('clamps .. in the missing part of a path too', () => {
    expect(resolve('/missing/../../../../x')).toEqual({ components: ['x'], exists: false });
  });
});
