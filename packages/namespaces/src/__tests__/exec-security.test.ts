import { buildSecurity, CAPABILITIES } from '../capabilities';
import { execSecurity, toExecRequest } from '../exec-command';

const base = { capAdd: [], capDrop: [], privileged: false, securityOpt: [] };

describe('exec --privileged', () => {
  it('keeps the container security for a plain exec', () => {
    const container = buildSecurity(base);
    expect(execSecurity(container, false)).toBe(container);
  });

  it('gives every capability but keeps the container seccomp profile, masks and no-new-privileges', () => {
    const container = buildSecurity({ ...base, securityOpt: ['no-new-privileges'] });
    const sec = execSecurity(container, true);
    expect(sec.capabilities).toEqual(Object.keys(CAPABILITIES));
    expect(sec).toMatchObject({ seccomp: container.seccomp, noNewPrivileges: true, privileged: false, maskedPaths: container.maskedPaths });
  });

  it('leaves a privileged container privileged', () => {
    expect(execSecurity(buildSecurity({ ...base, privileged: true }), true).privileged).toBe(true);
  });

  it('reads the flag', () => {
    expect(toExecRequest({ _: [], rest: ['box', 'id'], privileged: true }).privileged).toBe(true);
    expect(toExecRequest({ _: [], rest: ['box', 'id'] }).privileged).toBe(false);
  });
});
