import { parseChallenges } from '../challenge';
import { choosePlatform } from '../platform';

describe('parseChallenges', () => {
  it('reads a registry Bearer challenge', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
    ]);
  });
  it('reads Basic, several challenges in one header, unquoted and escaped values', () => {
    expect(parseChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    expect(parseChallenges('Basic realm="a, b", Bearer realm=https://t/x ,error="insufficient_scope", charset=UTF-8')).toEqual([
      { scheme: 'basic', params: { realm: 'a, b' } },
      { scheme: 'bearer', params: { realm: 'https://t/x', error: 'insufficient_scope', charset: 'UTF-8' } },
    ]);
    expect(parseChallenges('Bearer realm="say \\"hi\\""')[0].params.realm).toBe('say "hi"');
  });
  it('gives nothing for no header and never loops on junk', () => {
    expect(parseChallenges(null)).toEqual([]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges('=== ;;; "')).toEqual([]);
  });
});

describe('choosePlatform', () => {
  const idx = [
    { digest: 'attest', platform: { os: 'unknown', architecture: 'unknown' } },
    { digest: 'armv6', platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    { digest: 'armv7', platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { digest: 'arm64', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { digest: 'amd64', platform: { os: 'linux', architecture: 'amd64' } },
    { digest: 'win', platform: { os: 'windows', architecture: 'amd64' } },
  ];
  it('picks os, architecture and variant', () => {
    expect(choosePlatform(idx, { os: 'linux', architecture: 'amd64' })?.digest).toBe('amd64');
    expect(choosePlatform(idx, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest).toBe('armv7');
    expect(choosePlatform(idx, { os: 'windows', architecture: 'amd64' })?.digest).toBe('win');
  });
  it('treats arm64 without a variant as v8', () => {
    expect(
      choosePlatform([{ digest: 'x', platform: { os: 'linux', architecture: 'arm64' } }], { os: 'linux', architecture: 'arm64', variant: 'v8' })?.digest,
    ).toBe('x');
    expect(choosePlatform(idx, { os: 'linux', architecture: 'arm64' })?.digest).toBe('arm64');
  });
  it('finds nothing for a platform the index lacks', () => {
    expect(choosePlatform(idx, { os: 'linux', architecture: 's390x' })).toBeUndefined();
    expect(choosePlatform(idx, { os: 'linux', architecture: 'arm', variant: 'v5' })).toBeUndefined();
  });
});

describe('retryAfterMs', () => {
  const { retryAfterMs } = require('../registry-client') as typeof import('../registry-client');
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:28:10 GMT'))).toBe(0);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
