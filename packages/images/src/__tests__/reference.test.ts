import { familiarName, fullString, parseReference, storeName, withDefaultTag } from '../reference';

// Cases from distribution's reference_test.go and normalize_test.go.
describe('parseReference', () => {
  const valid: Array<[string, string, string, string?, string?]> = [
    ['test_com', 'docker.io', 'library/test_com'],
    ['test.com:tag', 'docker.io', 'library/test.com', 'tag'],
    ['test.com:5000', 'docker.io', 'library/test.com', '5000'],
    ['test.com/repo:tag', 'test.com', 'repo', 'tag'],
    ['test:5000/repo', 'test:5000', 'repo'],
    ['test:5000/repo:tag', 'test:5000', 'repo', 'tag'],
    [
      'test:5000/repo@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
      'test:5000',
      'repo',
      undefined,
      'sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    ],
    [
      'test:5000/repo:tag@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
      'test:5000',
      'repo',
      'tag',
      'sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    ],
    ['sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com', 'bar/baz/quux'],
    ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com', 'bar/baz/quux', 'some-long-tag'],
    ['b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io', 'test.example.com/my-app', 'test.example.com'],
    ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com', 'myimage', 'xn--n3h.com'],
    ['foo_bar.com:8080', 'docker.io', 'library/foo_bar.com', '8080'],
    ['foo/foo_bar.com:8080', 'docker.io', 'foo/foo_bar.com', '8080'],
    ['[2001:db8::1]:5000/repo', '[2001:db8::1]:5000', 'repo'],
    ['localhost/repo', 'localhost', 'repo'],
    ['localhost:5000/repo:tag', 'localhost:5000', 'repo', 'tag'],
    ['docker.io/library/busybox', 'docker.io', 'library/busybox'],
    ['index.docker.io/busybox', 'docker.io', 'library/busybox'],
    ['Docker.io/busybox', 'Docker.io', 'busybox'],
    ['a/b/c/d', 'docker.io', 'a/b/c/d'],
    ['a__b', 'docker.io', 'library/a__b'],
    ['a---b', 'docker.io', 'library/a---b'],
  ];
  it.each(valid.map((r) => [r[0], r[1], r[2], r[3] ?? null, r[4] ?? null] as const))('parses %s', (input, domain, path, tag, digest) => {
    const ref = parseReference(input);
    expect(ref).toEqual({ domain, path, ...(tag !== null ? { tag } : {}), ...(digest ? { digest } : {}) });
  });

  const invalid: string[] = [
    '',
    ':justtag',
    '@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'repo@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'.slice(0, -40),
    'validname@invaliddigest:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'Uppercase:tag',
    'test:5000/Uppercase/lowercase:tag',
    'aa/asdf$$^/aa',
    'a_',
    '_a',
    'a-',
    'a..b',
    'a___b',
    `${'a/'.repeat(128)}a:tag`,
    'repo:-tag',
    `repo:${'t'.repeat(129)}`,
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'busy\nbox',
  ];
  it.each(invalid)('refuses %j with one sentence', (input) => {
    expect(() => parseReference(input)).toThrow(/^(Invalid reference format|Unsupported digest) .*\.$/);
  });

  it('explains capitals in the repository', () => {
    expect(() => parseReference('Uppercase:tag')).toThrow('the repository name must be lowercase');
    expect(() => parseReference('test:5000/Uppercase/lowercase:tag')).toThrow('must be lowercase');
  });

  it('normalizes as Docker shows and stores names', () => {
    const hub = withDefaultTag(parseReference('busybox'));
    expect(fullString(hub)).toBe('docker.io/library/busybox:latest');
    expect(storeName(hub)).toBe('busybox:latest');
    expect(familiarName(parseReference('docker.io/foo/bar'))).toBe('foo/bar');
    const local = withDefaultTag(parseReference('127.0.0.1:5000/ns/app'));
    expect(storeName(local)).toBe('127.0.0.1:5000/ns/app:latest');
    const byDigest = withDefaultTag(parseReference(`app@sha256:${'a'.repeat(64)}`));
    expect(byDigest.tag).toBeUndefined();
    expect(storeName(byDigest)).toBeUndefined();
  });
});
