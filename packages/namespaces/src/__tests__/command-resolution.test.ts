import { UsageError, type ImageConfig } from '@mydocker/core';
import { DEFAULT_PATH } from '@mydocker/core';
import { checkHostname, launchEnv, mergeEnv, resolveCommand, resolveUser, resolveWorkdir } from '../command-resolution';

const image: ImageConfig = { env: ['PATH=/img/bin', 'A=1'], cmd: ['serve', '--port', '80'], entrypoint: ['/entry'], workdir: '/app', user: 'www' };

describe('command resolution', () => {
  it('uses entrypoint + cmd of the image when no command is given', () => {
    expect(resolveCommand({ command: [] }, image)).toEqual(['/entry', 'serve', '--port', '80']);
  });

  it('a command replaces the image cmd but keeps its entrypoint', () => {
    expect(resolveCommand({ command: ['x'] }, image)).toEqual(['/entry', 'x']);
  });

  it('--entrypoint replaces the entrypoint and drops the image cmd', () => {
    expect(resolveCommand({ command: [], entrypoint: '/bin/sh' }, image)).toEqual(['/bin/sh']);
    expect(resolveCommand({ command: ['-c', 'id'], entrypoint: '/bin/sh' }, image)).toEqual(['/bin/sh', '-c', 'id']);
    expect(resolveCommand({ command: ['ls'], entrypoint: '' }, image)).toEqual(['ls']);
  });

  it('without an image there is no default command', () => {
    expect(resolveCommand({ command: [] })).toEqual([]);
  });
});

describe('environment', () => {
  it('image env then user env, later keys win in the first position', () => {
    expect(mergeEnv(image.env, ['A=2', 'B=3'])).toEqual(['PATH=/img/bin', 'A=2', 'B=3']);
  });

  it('adds the default PATH when none is set', () => {
    expect(mergeEnv([], ['X=1'])).toEqual([`PATH=${DEFAULT_PATH}`, 'X=1']);
  });

  it('launch env adds HOSTNAME and, with a tty, TERM unless set', () => {
    expect(launchEnv(['PATH=/bin'], 'box', false)).toEqual(['PATH=/bin', 'HOSTNAME=box']);
    expect(launchEnv(['TERM=vt100'], 'box', true)).toEqual(['TERM=vt100', 'HOSTNAME=box']);
    expect(launchEnv([], 'box', true)).toEqual(['HOSTNAME=box', 'TERM=xterm']);
  });
});

describe('workdir, user, hostname', () => {
  it('workdir from the spec, else the image, else /', () => {
    expect(resolveWorkdir({ workdir: '/x' }, image)).toBe('/x');
    expect(resolveWorkdir({}, image)).toBe('/app');
    expect(resolveWorkdir({})).toBe('/');
    expect(() => resolveWorkdir({ workdir: 'rel' })).toThrow(UsageError);
  });

  it('user from the spec, else the image', () => {
    expect(resolveUser({ user: '1000:1000' }, image)).toBe('1000:1000');
    expect(resolveUser({}, image)).toBe('www');
    expect(resolveUser({})).toBeUndefined();
    expect(() => resolveUser({ user: 'a b' })).toThrow(/Invalid user "a b"/);
  });

  it('hostnames', () => {
    expect(() => checkHostname('web-1.local')).not.toThrow();
    expect(() => checkHostname('x'.repeat(65))).toThrow(UsageError);
    expect(() => checkHostname('bad/name')).toThrow(UsageError);
  });
});
