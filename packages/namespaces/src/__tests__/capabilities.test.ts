import { UsageError } from '@mydocker/core';
import { buildSecurity, CAPABILITIES, DEFAULT_CAPABILITIES, normalizeCapability, parseSecurityOpts, resolveCapabilities } from '../capabilities';

const spec = (o: Partial<{ capAdd: string[]; capDrop: string[]; privileged: boolean; securityOpt: string[] }> = {}) => ({
  capAdd: [],
  capDrop: [],
  privileged: false,
  securityOpt: [],
  ...o,
});

describe('capabilities', () => {
  it('defaults to Docker’s 14 capabilities', () => {
    expect(resolveCapabilities([], []).sort()).toEqual([...DEFAULT_CAPABILITIES].sort());
    expect(DEFAULT_CAPABILITIES).toHaveLength(14);
  });

  it('accepts lower case and the CAP_ prefix', () => {
    expect(normalizeCapability('cap_net_admin')).toBe('NET_ADMIN');
    expect(normalizeCapability('sys_time')).toBe('SYS_TIME');
  });

  it('adds and drops', () => {
    const caps = resolveCapabilities(['NET_ADMIN'], ['chown', 'CAP_KILL']);
    expect(caps).toContain('NET_ADMIN');
    expect(caps).not.toContain('CHOWN');
    expect(caps).not.toContain('KILL');
    expect(caps).toHaveLength(13);
  });

  it('drop ALL then add keeps only what was added', () => {
    expect(resolveCapabilities(['NET_BIND_SERVICE'], ['ALL'])).toEqual(['NET_BIND_SERVICE']);
  });

  it('add ALL gives every capability except those dropped', () => {
    const caps = resolveCapabilities(['ALL'], ['SYS_ADMIN']);
    expect(caps).toHaveLength(Object.keys(CAPABILITIES).length - 1);
    expect(caps).not.toContain('SYS_ADMIN');
  });

  it('refuses unknown names with one sentence', () => {
    expect(() => resolveCapabilities(['FLY'], [])).toThrow(UsageError);
    expect(() => resolveCapabilities([], ['NET_FOO'])).toThrow(/Unknown capability "NET_FOO"/);
  });
});

describe('security options', () => {
  it('parses no-new-privileges and seccomp=unconfined', () => {
    expect(parseSecurityOpts(['no-new-privileges'])).toEqual({ noNewPrivileges: true, seccomp: 'default' });
    expect(parseSecurityOpts(['no-new-privileges:true', 'seccomp:unconfined'])).toEqual({ noNewPrivileges: true, seccomp: 'unconfined' });
    expect(parseSecurityOpts(['no-new-privileges=false'])).toEqual({ noNewPrivileges: false, seccomp: 'default' });
  });

  it('refuses others', () => {
    expect(() => parseSecurityOpts(['apparmor=unconfined'])).toThrow(/Unsupported security option "apparmor=unconfined"/);
    expect(() => parseSecurityOpts(['seccomp=/tmp/profile.json'])).toThrow(UsageError);
    expect(() => parseSecurityOpts(['no-new-privileges=maybe'])).toThrow(UsageError);
  });

  it('builds the default SecuritySpec with Docker’s masked and read-only paths', () => {
    const s = buildSecurity(spec());
    expect(s.privileged).toBe(false);
    expect(s.seccomp).toBe('default');
    expect(s.maskedPaths).toContain('/proc/kcore');
    expect(s.maskedPaths).toContain('/sys/firmware');
    expect(s.readonlyPaths).toContain('/proc/sys');
  });

  it('privileged: every capability, no seccomp, nothing masked', () => {
    const s = buildSecurity(spec({ privileged: true }));
    expect(s.capabilities).toHaveLength(Object.keys(CAPABILITIES).length);
    expect(s.seccomp).toBe('unconfined');
    expect(s.maskedPaths).toEqual([]);
    expect(s.readonlyPaths).toEqual([]);
  });
});
