import { mountEntry } from '../launch-config';

describe('mount entries for the helper', () => {
  it("carry a tmpfs's options, or a bind's propagation, in the last field", () => {
    const [key, value] = mountEntry({ type: 'tmpfs', source: 'tmpfs', destination: '/run', readOnly: false, data: 'noexec,nosuid,nodev,size=64m' });
    expect(key).toBe('mount');
    expect(value.split('\x1f')).toEqual(['tmpfs', 'tmpfs', '/run', '0', 'noexec,nosuid,nodev,size=64m']);
    expect(mountEntry({ type: 'bind', source: '/srv', destination: '/s', readOnly: true, propagation: 'rshared' })[1].split('\x1f')).toEqual([
      'bind',
      '/srv',
      '/s',
      '1',
      'rshared',
    ]);
    // A bind's data (unused by the helper) never reaches it as a propagation word.
    expect(mountEntry({ type: 'bind', source: '/srv', destination: '/s', readOnly: false, data: 'size=1m' })[1].split('\x1f')).toEqual([
      'bind',
      '/srv',
      '/s',
      '0',
      '',
    ]);
  });
});
