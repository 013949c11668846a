import { untrustedReason, type TrustFs } from '../path-trust';

interface Node {
  uid?: number;
  gid?: number;
  mode: number;
  link?: string;
}

/** A file system of absolute paths; directories are nodes whose mode has 0o40000. */
function fakeFs(nodes: Record<string, Node>): TrustFs {
  return {
    lstat(p) {
      const n = nodes[p];
      if (!n) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return {
        uid: n.uid ?? 0,
        gid: n.gid ?? 0,
        mode: n.mode,
        isSymbolicLink: () => n.link !== undefined,
        isDirectory: () => (n.mode & 0o170000) === 0o040000,
      };
    },
    readlink(p) {
      return nodes[p].link!;
    },
  };
}

const dir = (mode: number, uid = 0, gid = 0): Node => ({ mode: 0o040000 | mode, uid, gid });
const file = (mode: number, uid = 0, gid = 0): Node => ({ mode: 0o100000 | mode, uid, gid });
const link = (target: string, uid = 0): Node => ({ mode: 0o120777, uid, link: target });
const base = { '/': dir(0o755), '/tmp': dir(0o1777), '/opt': dir(0o755) };

describe('untrustedReason', () => {
  it('trusts a root-owned path through the sticky /tmp', () => {
    const fs = fakeFs({ ...base, '/tmp/inst': dir(0o755), '/tmp/inst/p.js': file(0o644) });
    expect(untrustedReason('/tmp/inst/p.js', { uid: 0, fs })).toBeUndefined();
  });

  it('refuses a component another user owns (a node_modules planted in /tmp)', () => {
    const fs = fakeFs({ ...base, '/tmp/node_modules': dir(0o755, 1000), '/tmp/node_modules/x': dir(0o755) });
    expect(untrustedReason('/tmp/node_modules/x', { uid: 0, fs })).toBe('/tmp/node_modules is owned by uid 1000, not by root');
  });

  it('trusts paths the user owns when the user is not root', () => {
    const fs = fakeFs({ ...base, '/opt/mine': dir(0o755, 1000), '/opt/mine/p.js': file(0o644, 1000) });
    expect(untrustedReason('/opt/mine/p.js', { uid: 1000, fs })).toBeUndefined();
    expect(untrustedReason('/opt/mine/p.js', { uid: 0, fs })).toMatch(/owned by uid 1000/);
  });

  it('refuses world- and group-writable components, but not group root', () => {
    expect(untrustedReason('/opt/w', { uid: 0, fs: fakeFs({ ...base, '/opt/w': dir(0o777) }) })).toBe('/opt/w is writable by any user (mode 0777)');
    expect(untrustedReason('/opt/g', { uid: 0, fs: fakeFs({ ...base, '/opt/g': dir(0o2775, 0, 50) }) })).toBe('/opt/g is writable by group 50 (mode 2775)');
    expect(untrustedReason('/opt/r', { uid: 0, fs: fakeFs({ ...base, '/opt/r': dir(0o775, 0, 0) }) })).toBeUndefined();
    expect(untrustedReason('/opt/f', { uid: 0, fs: fakeFs({ ...base, '/opt/f': file(0o666) }) })).toMatch(/writable by any user \(mode 0666\)/);
  });

  it("walks a link's absolute target component by component, `..` included (each one checked)", () => {
    const nodes = { ...base, '/opt/l': link('/tmp/evil/../inst/p.js'), '/tmp/evil': dir(0o755, 1000), '/tmp/inst': dir(0o755), '/tmp/inst/p.js': file(0o644) };
    expect(untrustedReason('/opt/l', { uid: 0, fs: fakeFs(nodes) })).toBe('/tmp/evil is owned by uid 1000, not by root');
    expect(untrustedReason('/opt/l', { uid: 0, fs: fakeFs({ ...nodes, '/tmp/evil': dir(0o755) }) })).toBeUndefined();
  });

  it('refuses a sticky world-writable directory as the last component', () => {
    expect(untrustedReason('/tmp', { uid: 0, fs: fakeFs(base) })).toBe('/tmp is writable by any user (mode 1777)');
  });

  it('follows symbolic links and checks the target and the link owner', () => {
    const nodes = {
      ...base,
      '/opt/ok': link('/opt/real'),
      '/opt/real': dir(0o755),
      '/opt/real/p.js': file(0o644),
      '/opt/bad': link('../tmp/evil'),
      '/tmp/evil': dir(0o777),
      '/tmp/evil/p.js': file(0o644),
      '/opt/theirs': link('/opt/real', 1000),
    };
    const fs = fakeFs(nodes);
    expect(untrustedReason('/opt/ok/p.js', { uid: 0, fs })).toBeUndefined();
    expect(untrustedReason('/opt/bad/p.js', { uid: 0, fs })).toBe('/tmp/evil is writable by any user (mode 0777)');
    expect(untrustedReason('/opt/theirs/p.js', { uid: 0, fs })).toMatch(/^\/opt\/theirs is owned by uid 1000/);
  });

  it('stops a symbolic link loop', () => {
    const fs = fakeFs({ ...base, '/opt/a': link('/opt/b'), '/opt/b': link('/opt/a') });
    expect(untrustedReason('/opt/a/x', { uid: 0, fs })).toMatch(/too many levels of symbolic links/);
  });

  it('says a path it cannot check is not trusted', () => {
    expect(untrustedReason('/opt/missing', { uid: 0, fs: fakeFs(base) })).toBe('/opt/missing cannot be checked (ENOENT)');
  });
});
