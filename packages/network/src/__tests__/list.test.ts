import { MydockerError, UsageError } from '@mydocker/core';
import { networkMatches, networkRow, parseNetworkFilters } from '../list';
import type { IpamState, NetworkConfig } from '../model';

const net = {
  id: 'f'.repeat(64),
  name: 'frontnet',
  driver: 'bridge',
  subnet: '10.1.0.0/24',
  gateway: '10.1.0.1',
  bridge: 'br-f',
  createdAt: '2026-11-30T00:00:00Z',
} as NetworkConfig;
const ipam = (used: boolean) => ({ allocations: used ? { frontnet: { '10.1.0.2': {} } } : {} }) as unknown as IpamState;

describe('network ls', () => {
  it("rows with Docker's fields, ids cut to 12 unless --no-trunc", () => {
    expect(networkRow(net)).toMatchObject({ ID: 'ffffffffffff', Name: 'frontnet', Driver: 'bridge', Scope: 'local' });
    expect(networkRow(net, true).ID).toHaveLength(64);
  });

  it("filters as Docker's: name is a substring, id a prefix, type custom, dangling without containers", () => {
    const m = (used: boolean, ...f: string[]) => networkMatches(net, parseNetworkFilters(f), ipam(used));
    expect(m(false, 'name=front')).toBe(true);
    expect(m(false, 'name=back')).toBe(false);
    expect(m(false, 'id=ffff', 'driver=bridge')).toBe(true);
    expect(m(false, 'type=builtin')).toBe(false);
    expect(m(false, 'type=custom')).toBe(true);
    expect(m(false, 'dangling=true')).toBe(true);
    expect(m(true, 'dangling=true')).toBe(false);
    expect(m(true, 'dangling=false')).toBe(true);
    expect(() => m(false, 'type=weird')).toThrow(MydockerError);
    expect(() => parseNetworkFilters(['bogus=1'])).toThrow("Invalid filter 'bogus'.");
    expect(() => parseNetworkFilters(['novalue'])).toThrow(UsageError);
  });
});
