import { filterList } from '../docker-filters';
import { match, route } from '../router';
import { splitVersion } from '../versions';
import { muxFrame } from '../mux';

describe('splitVersion', () => {
  it('takes the optional /v1.NN prefix and refuses versions outside 1.41–1.43', () => {
    expect(splitVersion('/v1.41/containers/json')).toEqual({ version: '1.41', path: '/containers/json' });
    expect(splitVersion('/_ping')).toEqual({ version: '1.43', path: '/_ping' });
    expect(() => splitVersion('/v1.40/info')).toThrow(/too old\. Minimum supported API version is 1\.41/);
    expect(() => splitVersion('/v1.44/info')).toThrow(/too new\. Maximum supported API version is 1\.43/);
  });
});

describe('router', () => {
  const routes = [
    route('GET /images/json', async () => undefined),
    route('GET /images/{name*}/json', async () => undefined),
    route('DELETE /containers/{id}', async () => undefined),
  ];
  it('matches segments and image names with slashes, URL-decoded', () => {
    expect(match(routes, 'GET', '/images/json')).toMatchObject({ params: [] });
    expect(match(routes, 'GET', '/images/localhost%3A5000/a/b/json')).toMatchObject({ params: ['localhost:5000/a/b'] });
    expect(match(routes, 'DELETE', '/containers/abc')).toMatchObject({ params: ['abc'] });
    expect(match(routes, 'POST', '/containers/abc')).toBe('method');
    expect(match(routes, 'GET', '/nothing')).toBeUndefined();
  });
});

describe('filterList', () => {
  it('reads both filter shapes Docker accepts', () => {
    expect(filterList('{"status":["running"],"label":["a=b"]}')).toEqual(['status=running', 'label=a=b']);
    expect(filterList('{"name":{"web":true}}')).toEqual(['name=web']);
    expect(filterList(null)).toEqual([]);
    expect(() => filterList('{nope')).toThrow(/Invalid filters/);
    expect(() => filterList('{"a":[1]}')).toThrow(/strings/);
  });
});

describe('muxFrame', () => {
  it("writes Docker's 8-byte header: stream, three zeros, big-endian length", () => {
    expect([...muxFrame(2, Buffer.from('hi'))]).toEqual([2, 0, 0, 0, 0, 0, 0, 2, 104, 105]);
  });
});
