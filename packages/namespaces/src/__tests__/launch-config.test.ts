import { UsageError } from '@mydocker/core';
import { buildSecurity } from '../capabilities';
import { cgroupJoinEntry, execConfig, parseConfig, runConfig, serializeConfig, type RunLaunch } from '../launch-config';
import { parseErrorLine } from '../control-channel';
import { readExitFile } from '../exit-file';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const security = buildSecurity({ capAdd: [], capDrop: ['ALL'], privileged: false, securityOpt: ['no-new-privileges'] });

describe('launch config wire format', () => {
  it('is NUL-separated key=value entries ending with an empty entry', () => {
    const buf = serializeConfig([
      ['mode', 'run'],
      ['arg', 'echo'],
      ['arg', 'a=b c'],
    ]);
    expect(buf.toString()).toBe('mode=run\0arg=echo\0arg=a=b c\0\0');
    expect(parseConfig(buf)).toEqual([
      ['mode', 'run'],
      ['arg', 'echo'],
      ['arg', 'a=b c'],
    ]);
  });

  it('refuses NUL bytes in values', () => {
    expect(() => serializeConfig([['arg', 'a\0b']])).toThrow(UsageError);
  });

  it('run config carries every part, mounts as \\x1f-separated fields, capabilities as numbers', () => {
    const entries = runConfig({
      rootfs: '/r',
      command: ['sh', '-c', 'x'],
      env: ['PATH=/bin'],
      hostname: 'h',
      workdir: '/w',
      user: 'nobody',
      tty: true,
      interactive: false,
      detach: true,
      readOnly: true,
      mounts: [{ type: 'bind', source: '/host', destination: '/data', readOnly: true }],
      security: { ...security, capabilities: ['NET_BIND_SERVICE', 'KILL'] },
      shared: ['net'],
      log: { path: '/l/log', maxSize: 100, maxFiles: 0 },
      exitFile: '/c/exit',
      exitCommand: ['node', 'cli', 'container-cleanup', 'abc'],
      exitClaimFile: '/c/exit-claimed',
      cgroupSelfJoin: ['/sys/fs/cgroup/memory/p/id', '/sys/fs/cgroup/pids/p/id'],
    });
    const get = (k: string) => entries.filter(([key]) => key === k).map(([, v]) => v);
    expect(get('arg')).toEqual(['sh', '-c', 'x']);
    expect(get('cgroup_join')).toEqual(['/sys/fs/cgroup/memory/p/id', '/sys/fs/cgroup/pids/p/id']);
    expect(get('mount')).toEqual(['bind\x1f/host\x1f/data\x1f1\x1f']);
    expect(get('cap')).toEqual(['10', '5']);
    expect(get('share')).toEqual(['net']);
    expect(get('log_max_files')).toEqual(['1']);
    expect(get('no_new_privs')).toEqual(['1']);
    expect(get('readonly_root')).toEqual(['1']);
    expect(get('exit_command')).toEqual(['node', 'cli', 'container-cleanup', 'abc']);
    expect(get('exit_claim_file')).toEqual(['/c/exit-claimed']);
    expect(get('masked')).toContain('/proc/kcore');
    expect(get('stdin_once')).toEqual([]);
  });

  it('tells the monitor StdinOnce only when the container has it', () => {
    const base = { rootfs: '/r', command: ['cat'], env: [], hostname: 'h', workdir: '/', tty: false, interactive: true, detach: false, readOnly: false };
    const rest = { mounts: [], security, shared: [], exitFile: '/c/exit', exitCommand: ['x'] };
    expect(runConfig({ ...base, ...rest, stdinOnce: true }).filter(([k]) => k === 'stdin_once')).toEqual([['stdin_once', '1']]);
    expect(runConfig({ ...base, ...rest, stdinOnce: false }).filter(([k]) => k === 'stdin_once')).toEqual([]);
  });

  it('refuses relative mount destinations', () => {
    expect(() =>
      runConfig({
        rootfs: '/r',
        command: ['x'],
        env: [],
        hostname: 'h',
        workdir: '/',
        tty: false,
        interactive: false,
        detach: false,
        readOnly: false,
        mounts: [{ type: 'tmpfs', source: 'tmpfs', destination: 'data' }],
        security,
        shared: [],
        exitFile: '/e',
        exitCommand: [],
      }),
    ).toThrow(/must be an absolute path/);
  });

  it('exec config names the target pid', () => {
    const e = execConfig({ pid: 42, command: ['ps'], env: [], workdir: '/', tty: false, interactive: true, security });
    expect(e.slice(0, 3)).toEqual([
      ['mode', 'exec'],
      ['pid', '42'],
      ['arg', 'ps'],
    ]);
    expect(e).toContainEqual(['interactive', '1']);
  });
});

describe('helper answers', () => {
  it('parses error lines', () => {
    expect(parseErrorLine('error 127 exec: "x": executable file not found in $PATH')).toEqual({
      code: 127,
      message: 'exec: "x": executable file not found in $PATH',
    });
    expect(parseErrorLine('started')).toBeUndefined();
  });

  it('reads the exit file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ns-exit-'));
    writeFileSync(join(dir, 'a'), '{"code":137,"signal":9}\n');
    writeFileSync(join(dir, 'b'), '{"code":3,"signal":0}\n');
    writeFileSync(join(dir, 'c'), '{"code":');
    expect(readExitFile(join(dir, 'a'))).toEqual({ code: 137, signal: 9 });
    expect(readExitFile(join(dir, 'b'))).toEqual({ code: 3 });
    expect(readExitFile(join(dir, 'c'))).toBeUndefined();
    expect(readExitFile(join(dir, 'missing'))).toBeUndefined();
  });
});

describe('runConfig: attach, signals, init', () => {
  const base = {
    rootfs: '/r',
    command: ['sh'],
    env: [],
    hostname: 'h',
    workdir: '/',
    tty: true,
    interactive: true,
    detach: false,
    readOnly: false,
    mounts: [],
    security: { capabilities: [], seccomp: 'default', noNewPrivileges: false, privileged: false, maskedPaths: [], readonlyPaths: [] },
    shared: [],
    exitFile: '/x/exit',
    exitCommand: [],
  } as unknown as RunLaunch;
  it('sends only what differs from the helper defaults', () => {
    const plain = runConfig(base).map(([k]) => k);
    for (const k of ['attach_path', 'attach_stdout', 'attach_stderr', 'sig_proxy', 'init', 'detach_keys']) expect(plain).not.toContain(k);
  });
  it('encodes the attach socket, streams, sig-proxy, init and detach keys (hex)', () => {
    const e = runConfig({
      ...base,
      attachSocket: '/c/attach',
      attachStdout: false,
      attachStderr: true,
      sigProxy: false,
      init: true,
      detachKeys: Buffer.from([16, 17]),
    });
    expect(e.filter(([k]) => ['attach_path', 'attach_stdout', 'attach_stderr', 'sig_proxy', 'init', 'detach_keys'].includes(k))).toEqual([
      ['attach_path', '/c/attach'],
      ['attach_stdout', '0'],
      ['sig_proxy', '0'],
      ['init', '1'],
      ['detach_keys', '1011'],
    ]);
  });
});

describe('cgroup self-join entries', () => {
  it('passes absolute directories as cgroup_join entries', () => {
    expect(cgroupJoinEntry('/sys/fs/cgroup/cpu,cpuacct/p/id')).toEqual(['cgroup_join', '/sys/fs/cgroup/cpu,cpuacct/p/id']);
  });

  it('refuses a relative path or one with "." or ".." components, as the helper does', () => {
    for (const dir of ['sys/fs/cgroup/pids/x', '/sys/fs/cgroup/pids/../memory', '/sys/fs/cgroup/./pids', '/sys/fs/cgroup/pids/x/..']) {
      expect(() => cgroupJoinEntry(dir)).toThrow(/not an absolute path/);
    }
  });
});
